// sql_begins: the keyword test both stores use on statement text
// (store::Db's rollbacks and writes, pg::Db's rollbacks and savepoints).
#include <catch2/catch.hpp>

#include "sodiem/core/sql_words.hpp"

using sodiem::sql_begins;

TEST_CASE("sql_begins: leading blanks, any case, whole words, in order", "[sql_words]") {
  CHECK(sql_begins("ROLLBACK", {"rollback"}));
  CHECK(sql_begins("  \n\t\r rollback", {"rollback"}));
  CHECK(sql_begins("RollBack;", {"rollback"}));
  CHECK(sql_begins("ROLLBACK TO sp1", {"rollback", "to"}));
  CHECK(sql_begins("rollback\n  to\tsp1", {"rollback", "to"}));
  CHECK(sql_begins("INSERT INTO t VALUES (1)", {"insert"}));
  CHECK(sql_begins("UPDATE(t)", {"update"}));  // a parenthesis ends a word
  // Not the start of a longer name.
  CHECK_FALSE(sql_begins("inserted_rows", {"insert"}));
  CHECK_FALSE(sql_begins("rollbacks", {"rollback"}));
  CHECK_FALSE(sql_begins("savepoint_x", {"savepoint"}));
  CHECK_FALSE(sql_begins("rollback toast", {"rollback", "to"}));
  // Shorter than the word, another word, or the words out of order.
  CHECK_FALSE(sql_begins("", {"rollback"}));
  CHECK_FALSE(sql_begins("roll", {"rollback"}));
  CHECK_FALSE(sql_begins("SELECT 1", {"insert"}));
  CHECK_FALSE(sql_begins("ROLLBACK", {"rollback", "to"}));
  CHECK_FALSE(sql_begins("TO ROLLBACK", {"rollback", "to"}));
  CHECK_FALSE(sql_begins("x INSERT", {"insert"}));
  // Only ASCII letters fold: "@" is not "`", "[" is not "{".
  CHECK_FALSE(sql_begins("@", {"`"}));
  CHECK_FALSE(sql_begins("ÍNSERT", {"insert"}));
}

TEST_CASE("sql_begins: comments before and between the words are blank", "[sql_words]") {
  CHECK(sql_begins("-- undo the step\nROLLBACK TO sp", {"rollback", "to"}));
  CHECK(sql_begins("/* the writes */ DELETE FROM t", {"delete"}));
  CHECK(sql_begins("/* a */ /* b */\n-- c\n  savepoint s", {"savepoint"}));
  CHECK(sql_begins("rollback /* to where */ to sp", {"rollback", "to"}));
  // A comment is not the keyword, nor is a keyword inside one.
  CHECK_FALSE(sql_begins("-- INSERT", {"insert"}));
  CHECK_FALSE(sql_begins("/* INSERT */", {"insert"}));
  CHECK_FALSE(sql_begins("/* unterminated INSERT", {"insert"}));
  CHECK_FALSE(sql_begins("- INSERT", {"insert"}));
}
