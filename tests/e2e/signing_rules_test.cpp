// The subject step may not be signed while a required cell is empty
// (TT22 Điều 7): the server refuses such a signature even from a client
// that skipped its own check, naming the cells.
#include <catch2/catch.hpp>
#include <filesystem>

#include "loopback_school.hpp"
#include "sodiem/client/actions.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"

using namespace sodiem;
using namespace sodiem::testing;

TEST_CASE("a subject signature over empty required cells is refused by the server, naming them", "[e2e]") {
  LoopbackSchool school;
  auto& store = school.device("gv.toan.1");
  REQUIRE(store.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8").is_ok());
  const std::string keys = school.tmp / "keys";
  std::filesystem::create_directories(keys);
  REQUIRE(client::create_signing_key(store, keys, "mật khẩu ký").is_ok());
  school.sync("gv.toan.1");

  // What a client without the completeness check would send.
  auto document = store.confirmation_document("6A", "Toán", "HK1", "subject");
  REQUIRE(document.is_ok());
  auto key = signing::Ed25519KeyFile::load(client::signing_key_path(keys), "mật khẩu ký");
  REQUIRE(key.is_ok());
  protocol::Op op;
  op.kind = protocol::OpKind::kConfirm;
  op.cell = {"6A", "Toán", "subject", "HK1"};
  op.value = signing::digest_hex(*document);
  op.note = *(*key)->sign(op.value);
  const auto seq = store.queue_op(op);
  school.sync("gv.toan.1");
  const auto [code, reason] = store.outcome(seq);
  CHECK(code == "FORBIDDEN");
  CHECK_THAT(reason, Catch::Contains("ô bắt buộc chưa có điểm"));
  CHECK_THAT(reason, Catch::Contains("HK1.TX2"));
  CHECK(school.server_scalar("SELECT COUNT(*) FROM confirmations") == 0);

  // The client's own path refuses before signing, with the same words.
  auto refused = client::sign_step(store, keys, "subject", "6A", "HK1", "Toán", "mật khẩu ký",
                                   [&] { return school.try_sync(store).status(); });
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("ô bắt buộc chưa có điểm"));
}

TEST_CASE("the required cells of a term follow the subject's periods", "[unit]") {
  CHECK(board::required_columns({"Toán", true, 140}, "HK1").size() == 6);
  CHECK(board::required_columns({"Lịch sử", true, 52}, "HK2") ==
        std::vector<std::string>{"HK2.TX1", "HK2.TX2", "HK2.TX3", "HK2.GK", "HK2.CK"});
  CHECK(board::required_columns({"Âm nhạc", false, 35}, "HK1").size() == 4);
  const auto missing = board::missing_cells({"Lịch sử", true, 35}, "HK1",
                                            {{"HS1", {{"HK1.TX1", "8"}, {"HK1.TX2", ""}, {"HK1.GK", "7"}}}});
  REQUIRE(missing.size() == 2);
  CHECK(missing[0].column == "HK1.TX2");
  CHECK(missing[1].column == "HK1.CK");
  CHECK(board::missing_cells_text("môn Sử", missing) == "chưa thể ký xác nhận môn Sử: còn 2 ô bắt buộc chưa có điểm: HS1 HK1.TX2, HS1 HK1.CK");
}

TEST_CASE("a class signature over an incomplete board is refused by the server, naming the cells", "[e2e][board]") {
  LoopbackSchool school;
  auto& gvcn = school.device("gv.van.1");  // homeroom teacher of 6A
  const std::string keys = school.tmp / "keys";
  std::filesystem::create_directories(keys);
  REQUIRE(client::create_signing_key(gvcn, keys, "mật khẩu ký").is_ok());
  REQUIRE(gvcn.record({"6A", "Chủ nhiệm", "HS6A01", "HK1.RL"}, "Tốt").is_ok());
  school.sync("gv.van.1");

  // What a client without the check would send, for the class and (the
  // same rule) the review of the board.
  auto key = signing::Ed25519KeyFile::load(client::signing_key_path(keys), "mật khẩu ký");
  REQUIRE(key.is_ok());
  auto send = [&](const std::string& step) {
    auto document = gvcn.confirmation_document("6A", "", "HK1", step);
    REQUIRE(document.is_ok());
    protocol::Op op;
    op.kind = protocol::OpKind::kConfirm;
    op.cell = {"6A", "", step, "HK1"};
    op.value = signing::digest_hex(*document);
    op.note = *(*key)->sign(op.value);
    const auto seq = gvcn.queue_op(op);
    school.sync("gv.van.1");
    return gvcn.outcome(seq);
  };
  const auto [code, reason] = send("class");
  CHECK(code == "FORBIDDEN");
  CHECK_THAT(reason, Catch::StartsWith("chưa thể ký xác nhận lớp 6A HK1: còn "));
  CHECK_THAT(reason, Catch::Contains("ô bắt buộc chưa có điểm hoặc đánh giá: HS6A01 Ngữ văn HK1.TX1, "));
  CHECK_THAT(reason, Catch::Contains(" ô khác"));
  CHECK(school.server_scalar("SELECT COUNT(*) FROM confirmations") == 0);

  // The client's own path refuses before signing, with the same words.
  auto refused = client::sign_step(gvcn, keys, "class", "6A", "HK1", "", "mật khẩu ký",
                                   [&] { return school.try_sync(gvcn).status(); });
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().message() == reason);
}
