// The access tables the seal watches (access_seal.hpp) and the one digest of
// their rows, over either store. Private to the seal: access_seal.cpp,
// access_digest.cpp and pg/pg_access_seal.cpp only.
#pragma once
#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/store/db.hpp"

namespace sodiem::server::access {

struct AccessTable {
  const char* name;
  const char* columns;  // what matters; the triggers (SQLite's migrations 21 and 23, PostgreSQL's 5 and 6) watch the same
  const char* what;     // in Vietnamese, for the verdict
};
inline constexpr std::array<AccessTable, 15> kTables{{
    {"users", "id, username, full_name, password_hash, roles, disabled, department, must_change_password", "tài khoản"},
    {"devices", "id, public_id, user_id, name, token_hash, revoked_at, revoked_by, revoked_reason", "thiết bị"},
    {"teaching_assignments", "user_id, class_id, subject_id, ends_at", "phân công giảng dạy"},
    {"homerooms", "class_id, user_id", "chủ nhiệm lớp"},
    {"locks",
     "id, term, grade, class_name, subject, column_kind, kind, starts_at, ends_at, reason, set_by, set_at, "
     "removed_at, removed_by, removed_reason",
     "khóa sổ"},
    {"lock_exceptions",
     "id, username, class_name, subject, col, expires_at, reason, created_by, created_at, removed_at, removed_by",
     "mở khóa ngoại lệ"},
    {"delegations", "id, power, user_id, granted_by, granted_at, expires_at, reason, revoked_at, revoked_by", "ủy quyền"},
    {"signing_keys", "user_id, public_key, registered_at, device_id", "khóa ký số"},
    {"classes", "id, name, grade, sessions_per_day, school_year_id", "lớp"},
    {"students", "id, code, full_name, class_id, birth_date, gender, status", "học sinh"},
    {"subjects", "id, name, scored, periods_per_year, department", "môn học"},
    {"grade_subjects", "grade, subject_id, kind, periods_per_year, topic_periods, assessed_as, periodic_tests",
     "môn học của khối"},
    {"class_subject_choices", "class_id, subject_id, study_topics", "môn lựa chọn và chuyên đề của lớp"},
    {"school_years", "id, name, starts_on, ends_on, current", "năm học"},
    {"terms", "id, school_year_id, code, starts_on, ends_on, entry_opens_on, entry_closes_on", "học kỳ"},
}};

const AccessTable* find_table(std::string_view name);

// The SHA-256 (hex) of `t`'s rows that matter, the same bytes on both stores:
// per row "len:" + "type:HEX,type:HEX,…" + "\n" (SQLite's typeof() and the
// value's bytes in upper-case hex), rows in SQLite's ORDER BY of the columns
// (NULL, numbers by value, text bytewise, blobs bytewise), sorted here and
// not by the database (a PostgreSQL cluster's collation plays no part).
// `from` reads another table with the same columns (PostgreSQL's snapshot of
// a table before the transaction's first change); on PostgreSQL only the
// connection's school's rows count.
std::string digest_of(store::Db& db, const AccessTable& t, std::string_view from = {});

// PostgreSQL's side of the seal (pg/pg_access_seal.cpp; the triggers are
// migration 5 of pg_schema.cpp).
// The tables changed since the last seal in the open transaction; whether
// this connection has seen the trail hold a digest of every table (kept in
// the session, so forgotten with the transaction that found it if that one
// rolls back).
std::set<std::string> pg_touched(store::Db& db, bool& baseline_done);
void pg_baseline_done(store::Db& db);
// Each touched table as it was before the transaction's first change to it
// against `recorded` (the trail's last digests): a difference is an edit from
// outside, added to `outside`. The snapshots are dropped (a later change in
// the same transaction takes one again, then compared with this seal).
void pg_check_before(store::Db& db, const nlohmann::json& recorded, const std::set<std::string>& touched,
                     std::set<std::string>& outside);
// After the seal: nothing touched since (the COMMIT may go through).
void pg_sealed(store::Db& db);
// The touched tables' snapshots dropped, unchecked: a restore replaced them
// (and the trail) by a verified backup's (seal_access_after_restore).
void pg_forget_before(store::Db& db);
// The seal's triggers and functions as migration 5 made them, and no trigger
// of someone else's: problems in Vietnamese, one line each.
void pg_check_triggers(store::Db& db, std::vector<std::string>& problems);
// Row-level security and the policy on every table, and the current_classes
// view, as the migrations made them (pg/pg_school_guards.cpp).
void pg_check_school_guards(store::Db& db, std::vector<std::string>& problems);

}  // namespace sodiem::server::access
