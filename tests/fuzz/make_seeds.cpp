// Writes the fuzz targets' seed corpus (tests/fuzz/corpus/TARGET/*): real
// messages from the encoder, grade values, grading requests, roster files
// and audit details as the server writes them. Run by hand after a format
// changes: build/tests/fuzz_make_seeds tests/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "sodiem/protocol/codec.hpp"

using namespace sodiem::protocol;
namespace fs = std::filesystem;

namespace {

fs::path root;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
  if (target == "protocol_decode")  // the same message as JSON text (see check_protocol_decode.cpp)
    std::ofstream(root / target / (name + ".json"), std::ios::binary) << nlohmann::json::from_cbor(bytes).dump();
}

void messages() {
  const CellKey cell{"6A", "Toán", "HS6A01", "HK1.TX1"};
  seed("protocol_decode", "hello", encode(Hello{kProtocolVersion, kSchemaVersion, "a1b2c3d4e5f6", "tok3n"}));
  seed("protocol_decode", "login",
       encode(Login{kProtocolVersion, kSchemaVersion, "gv.toan.1", "mật khẩu", "Máy của cô Lan", "mật khẩu mới"}));
  // Designated: what a message leaves out (here the newer fields) is its default, said so.
  seed("protocol_decode", "welcome",
       encode(Welcome{.device_id = "a1b2c3", .token = "tok3n", .server_epoch = "ep-2026", .device_high_seq = 41,
                      .username = "gv.toan.1", .roster_version = 7}));
  Push push{12, {}};
  push.ops.push_back({1, cell, "8.5", 0, 1764000000, OpKind::kSet, ""});
  push.ops.push_back({2, {"6A", "Toán", "HS6A02", "HK1.TX1"}, "10", 3, 1764000005, OpKind::kSet, ""});
  push.ops.push_back({4, {"6A", "Chủ nhiệm", "HS6A02", "HK1.NXCN"}, "Chăm ngoan,\nlễ phép", 0, 1764000100,
                      OpKind::kSet, ""});
  push.ops.push_back({5, cell, "9", 17, 1764000200, OpKind::kCorrectionRequest, "Cộng nhầm"});
  push.ops.push_back({6, cell, "approve", 3, 1764000300, OpKind::kDecideCorrection, "Đồng ý"});
  seed("protocol_decode", "push", encode(push));
  seed("protocol_decode", "push_empty", encode(Push{1, {}}));
  seed("protocol_decode", "ack",
       encode(Ack{12, {{1, 100, 2}}, {{4, ErrorCode::kTermLocked, "Học kì đã khóa", "7", 90, "gv.toan.2"}}}));
  seed("protocol_decode", "pull", encode(Pull{{"ep-2026", 120}, 2000}));
  seed("protocol_decode", "changes",
       encode(Changes{{"ep-2026", 130}, true,
                      {{121, ChangeKind::kSet, cell, "8", "gv.toan.1", 1764000000, 0},
                       {123, ChangeKind::kConflict, cell, "7", "gv.toan.2", 1763990000, 121},
                       {124, ChangeKind::kResolved, cell, "8", "gv.toan.1", 1764000100, 0}}}));
  seed("protocol_decode", "roster_request", encode(RosterRequest{}));
  seed("protocol_decode", "roster",
       encode(Roster{.version = 7,
                     .roles = {"GVBM", "GVCN"},
                     .classes = {{"6A", 6}, {"10A1", 10}},
                     .subjects = {{"Toán", true, 140}, {"Âm nhạc", false, 35}},
                     .students = {{"HS6A01", "Nguyễn Văn An", "6A"}, {"HS6A02", "Trần Thị Bích Ngọc", "6A"}},
                     .assignments = {{"6A", "Toán"}, {"6A", "Chủ nhiệm"}}}));
  seed("protocol_decode", "error", encode(Error{ErrorCode::kUnauthenticated, "Sai mật khẩu", 0}));
  seed("protocol_decode", "history_request", encode(HistoryRequest{cell}));
  seed("protocol_decode", "history",
       encode(History{"", {{1764000000, "gv.toan.1", "a1b2 (laptop)", "OK", "", "8", ""},
                           {1764000100, "gv.toan.2", "c3d4 (máy trường)", "TERM_LOCKED", "8", "9", "khóa"}}}));
  seed("protocol_decode", "corrections_request", encode(CorrectionsRequest{}));
  seed("protocol_decode", "corrections",
       encode(CorrectionList{{{3, cell, "Nguyễn Văn An", "4", "7", "Cộng nhầm", "gv.toan.1", 1763900000, "approved",
                               "hieutruong", "Đồng ý", 1763900100}}}));
  seed("protocol_decode", "password", encode(PasswordChange{"cũ-12345", "mới-67890"}));
  seed("protocol_decode", "password_done", encode(PasswordChanged{}));
}

// Flags byte: bit 0 homeroom, bit 1 scored, 0x80 grading request; then the
// periods byte, the column, 0xFF, the value.
void values() {
  auto cell = [](std::uint8_t flags, std::uint8_t periods, const std::string& column, const std::string& value) {
    return std::string(1, static_cast<char>(flags)) + static_cast<char>(periods) + column + '\xFF' + value;
  };
  seed("op_value", "mark", cell(2, 140, "HK1.TX1", "8,5"));
  seed("op_value", "mark_ck", cell(2, 35, "HK2.CK", "10"));
  seed("op_value", "tx4", cell(2, 105, "HK1.TX4", " 7.0 "));
  seed("op_value", "unscored", cell(0, 35, "HK1.GK", "đạt"));
  seed("op_value", "comment", cell(2, 70, "HK1.NX", "Tiến bộ rõ,\nchăm chỉ"));
  seed("op_value", "conduct", cell(1, 0, "HK2.RL", "khá"));
  seed("op_value", "attendance", cell(1, 0, "CC.2026-09-05", "p"));
  seed("op_value", "homeroom_comment", cell(1, 0, "HK1.NXCN", "Ngoan"));
  seed("op_value", "clear", cell(2, 140, "HK1.TX2", ""));
  std::string long_comment;  // near the protocol's 4,000 bytes a value
  while (long_comment.size() < 3950) long_comment += "Em học tốt, cần cố gắng hơn. ";
  seed("op_value", "long_comment", cell(2, 70, "HK2.NX", long_comment));
  // Flags bit 2: the value repeated to 16 × 62 = 992 bytes, a comment near its 1,000.
  seed("op_value", "repeated_comment", std::string("\x06\x46\x3e") + "HK1.NX" + '\xFF' + "Ngoan, ");
  auto eval = [](const nlohmann::json& request) { return "\x80" + request.dump(); };
  seed("op_value", "eval_term", eval({{"rule", "TT22"}, {"op", "term_average"}, {"tx", {"8", "7.5", 9}},
                                      {"gk", "8"}, {"ck", "9,5"}}));
  seed("op_value", "eval_year", eval({{"rule", "TT22"}, {"op", "year_average"}, {"hk1", "8.0"}, {"hk2", "6.5"}}));
  seed("op_value", "eval_level", eval({{"rule", "TT22"}, {"op", "learning_level"},
                                       {"scored", {{"Toán", "8.0"}, {"Ngữ văn", "6.4"}}}, {"comment", {{"Âm nhạc", "Đ"}}}}));
  seed("op_value", "eval_conduct", eval({{"rule", "TT22"}, {"op", "year_conduct"}, {"hk1", "Khá"}, {"hk2", "Tốt"}}));
  seed("op_value", "eval_promotion", eval({{"rule", "TT22"}, {"op", "promotion"}, {"absent_sessions", 12},
                                           {"conduct", "Đạt"}, {"learning", "Chưa đạt"}}));
  seed("op_value", "eval_award", eval({{"rule", "TT22"}, {"op", "award"}, {"conduct", "Tốt"}, {"learning", "Tốt"},
                                       {"year_averages", {{"Toán", "9.5"}, {"Văn", "9.0"}}}}));
  seed("op_value", "eval_primary", eval({{"rule", "TT27"}, {"op", "year_result"},
                                         {"subjects", {{"Toán", "Hoàn thành tốt"}}}, {"qualities", {{"Chăm chỉ", "Tốt"}}},
                                         {"tests", {{"Toán", "9"}}}}));
}

void rosters() {
  seed("roster_csv", "students",
       "\xEF\xBB\xBFMã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp,Trạng thái\r\n"
       "HS6A01,Nguyễn Văn An,01/09/2014,Nam,6A,Đang học\r\n"
       "HS6A02,\"Trần Thị \"\"Bé\"\" Ngọc\",2014-05-05,Nữ,6A,\r\n"
       "\r\n"
       "HS10A101,Lê Văn Ba,31/12/2010,Nam,10A1,Chuyển trường\r\n");
  seed("roster_csv", "students_guarded",
       "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
       "HS6A03,'=HYPERLINK(1),01/09/2014,Nam,6A\n"
       "HS6A04,''Ngọc,01/09/2014,Nữ,6A\n"
       "HS6A05,Nguye\xCC\x82\xCC\x83n  ,01/09/2014,Nam,6A\n");
  seed("roster_csv", "staff",
       "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
       "gv.toan.1,Phạm Thị Lan,GVBM;GVCN,Tổ Toán,6A,6A:Toán;6B:Toán@2027-01-31\n"
       "gv.van.1,\"Đỗ Văn Hùng\",GVBM,Tổ Văn,,10A1:Ngữ văn\n"
       "hieutruong,Nguyễn Hiệu Trưởng,HT,,,\n");
}

void audit_details() {
  // Even first byte: a push, as ingest.cpp writes it; odd: an approval.
  seed("audit_detail", "push",
       std::string("\x00", 1) +
           R"({"batch":12,"ops":[[3,"CONFLICT",0,"6A","Toán","HS6A01","HK1.TX1","7"],)"
           R"([4,"OK",88,"6A","Toán","HS6A02","HK1.TX1","8"]],)"
           R"("runs":[["6A","Toán",1,90,[["HS6A01","HK1.TX2","9"],["HS6A03","HK1.TX2","10"]]],)"
           R"(["6A","Chủ nhiệm",5,92,[["HS6A01","HK1.RL","Tốt"]]]]})");
  seed("audit_detail", "push_old", std::string("\x00", 1) +
                                       R"({"batch":3,"ops":[[1,"OK",5,"6A","Toán","HS6A01","HK1.GK","8.5"]]})");
  seed("audit_detail", "correction_approved",
       "\x01" R"({"id":3,"class":"6A","subject":"Toán","student":"HS6A01","column":"HK1.CK","old":"4","new":"7",)"
       R"("version":131,"comment":"Đồng ý"})");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds CORPUS_DIR\n";
    return 2;
  }
  root = argv[1];
  messages();
  values();
  rosters();
  audit_details();
  return 0;
}
