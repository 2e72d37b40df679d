// Protocol codec: round trips of every message, and refusal of malformed,
// oversized and wrong-version input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "sodiem/protocol/codec.hpp"

using namespace sodiem::protocol;

namespace {
template <typename T>
T round_trip(const T& m) {
  Decoded d = decode(encode(Message{m}));
  REQUIRE(d.message.has_value());
  REQUIRE(std::holds_alternative<T>(*d.message));
  return std::get<T>(*d.message);
}
Op make_op(std::uint64_t seq, std::string value, std::int64_t t) {
  return Op{seq, {"6A", "Toán", "HS6A01", "HK1.TX1"}, std::move(value), 7, t};
}
std::string cbor(const nlohmann::json& j) {
  std::string out;
  nlohmann::json::to_cbor(j, out);
  return out;
}
}  // namespace

TEST_CASE("push round-trips with delta-coded seqs and times", "[protocol]") {
  Push p{42, {make_op(5, "8.5", 1763900000), make_op(6, "", 1763899990), make_op(9, "Đ", 1763900100)}};
  p.ops[1].kind = OpKind::kCorrectionRequest;
  p.ops[1].note = "Nhập nhầm cột";
  p.ops[2].kind = OpKind::kDecideCorrection;
  p.ops[2].base_version = 17;  // the request's id
  p.ops[2].value = "refuse";
  p.ops[2].note = "Không có biên bản";
  Push q = round_trip(p);
  CHECK(q.batch_id == 42);
  CHECK(q.ops == p.ops);
}

TEST_CASE("a push is encoded byte for byte as the JSON tree's canonical CBOR", "[protocol]") {
  // The push has its own writer; its bytes must stay what every decoder
  // (and the wire-size figures) expect: nlohmann's to_cbor of the same tree.
  const std::uint64_t big = 5'000'000'000ULL;
  for (std::uint64_t first : {std::uint64_t{1}, std::uint64_t{23}, std::uint64_t{24}, std::uint64_t{255},
                              std::uint64_t{256}, std::uint64_t{65535}, std::uint64_t{65536}, big}) {
    Push p{first, {}};
    std::int64_t t = 1763900000;
    std::string long_note(300, 'x');
    for (std::uint64_t i = 0; i < 30; ++i) {
      Op op = make_op(first + i * i * 997, std::string(i % 5, '9'), t);
      op.base_version = i * big / 7;
      if (i % 7 == 3) {
        op.kind = OpKind::kCorrectionRequest;
        op.note = i % 2 ? long_note : "Nhập nhầm";
      }
      t += (i % 3 == 0) ? -static_cast<std::int64_t>(i * 1000) : static_cast<std::int64_t>(i * i * i * 50);
      p.ops.push_back(op);
    }
    nlohmann::json ops = nlohmann::json::array();
    std::uint64_t prev_seq = 0;
    std::int64_t prev_t = 0;
    for (const Op& op : p.ops) {
      nlohmann::json e = nlohmann::json::array({op.seq - prev_seq, op.cell.class_name, op.cell.subject,
                                                op.cell.student_code, op.cell.column, op.value, op.base_version,
                                                op.recorded_at - prev_t});
      if (op.kind != OpKind::kSet) {
        e.push_back(static_cast<int>(op.kind));
        e.push_back(op.note);
      }
      ops.push_back(e);
      prev_seq = op.seq;
      prev_t = op.recorded_at;
    }
    INFO("batch " << first);
    CHECK(encode(Message{p}) == cbor({{"t", "push"}, {"b", p.batch_id}, {"o", ops}}));
    CHECK(round_trip(p).ops == p.ops);
  }
}

TEST_CASE("the push reader agrees with the generic decoder on damaged frames", "[protocol][fault]") {
  Push p{300, {}};
  for (std::uint64_t i = 1; i <= 12; ++i) {
    Op op = make_op(i * 3, std::to_string(i % 11), 1763900000 + static_cast<std::int64_t>(i) * 40);
    if (i % 5 == 0) {
      op.kind = OpKind::kCorrectionRequest;
      op.note = "lý do " + std::to_string(i);
    }
    p.ops.push_back(op);
  }
  const std::string good = encode(Message{p});
  std::mt19937 rng(20261123);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = good;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[at] = static_cast<char>(rng()); break;
        case 1: bytes.erase(at, 1 + rng() % 4); break;
        default: bytes.insert(at, 1, static_cast<char>(rng())); break;
      }
      if (bytes.empty()) bytes = "x";
    }
    const Decoded fast = decode(bytes), generic = decode_via_json(bytes);
    INFO("round " << round);
    REQUIRE(fast.message.has_value() == generic.message.has_value());
    CHECK(fast.code == generic.code);
    CHECK(fast.error == generic.error);
    if (fast.message && std::holds_alternative<Push>(*fast.message)) {
      ++accepted;
      REQUIRE(std::holds_alternative<Push>(*generic.message));
      CHECK(std::get<Push>(*fast.message).batch_id == std::get<Push>(*generic.message).batch_id);
      CHECK(std::get<Push>(*fast.message).ops == std::get<Push>(*generic.message).ops);
    }
  }
  CHECK(accepted > 100);  // damage inside values still decodes: both paths were compared on real pushes
}

TEST_CASE("every message type round-trips", "[protocol]") {
  auto h = round_trip(Hello{kProtocolVersion, kSchemaVersion, "dev1", "tok"});
  CHECK(h.device_id == "dev1");
  CHECK(h.token == "tok");
  auto l = round_trip(Login{kProtocolVersion, kSchemaVersion, "gv.toan.1", "mật khẩu", "laptop", "mật khẩu mới"});
  CHECK(l.new_password == "mật khẩu mới");
  CHECK(l.password == "mật khẩu");
  auto w = round_trip(Welcome{"dev1", "tok", "ep", 99, "gv", 3});
  CHECK(w.device_high_seq == 99);
  CHECK(w.roster_version == 3);
  Ack a{7, {{1, 100, 3}, {5, 104, 2}}, {{4, ErrorCode::kForbidden, "không được", "8", 90, "gv.khac"}}};
  auto a2 = round_trip(a);
  CHECK(a2.accepted == a.accepted);
  CHECK(a2.outcomes == a.outcomes);
  auto pl = round_trip(Pull{{"ep", 12}, 100});
  CHECK(pl.cursor == Cursor{"ep", 12});
  Changes c{{"ep", 30}, true,
            {{10, ChangeKind::kSet, {"6A", "Toán", "HS1", "HK1.GK"}, "9", "gv", 1000, 0},
             {12, ChangeKind::kConflict, {"6A", "Toán", "HS1", "HK1.GK"}, "7", "gv2", 990, 10}}};
  auto c2 = round_trip(c);
  CHECK(c2.changes == c.changes);
  CHECK(c2.more);
  Roster r{4, {"GVBM"}, {{"6A", 6}}, {{"Toán", true, 140}}, {{"HS1", "Nguyễn Văn An", "6A"}}, {{"6A", "Toán"}}};
  auto r2 = round_trip(r);
  CHECK(r2.students == r.students);
  CHECK(r2.subjects == r.subjects);
  CHECK(r2.locks.empty());
  r.locks = {{"6A", "Toán", "HK1", "GK", ErrorCode::kTermLocked, false, "Chốt điểm học kì I"},
             {"6A", "Toán", "HK2", "TX", ErrorCode::kEntryClosed, true, "Hết hạn nhập"}};
  CHECK(round_trip(r).locks == r.locks);
  CHECK(round_trip(r).calendar == SchoolCalendar{});
  r.calendar = {"2026-09-05", "2027-05-31", true, {"1A", "1B"}};
  CHECK(round_trip(r).calendar == r.calendar);
  // The terms' days (attendance's lock notices; absent from older servers: none).
  r.calendar.terms = {{"HK1", "2026-09-05", "2027-01-16"}, {"HK2", "2027-01-18", "2027-05-31"}};
  CHECK(round_trip(r).calendar == r.calendar);
  // Class moves out of the user's classes (absent from older servers: none).
  CHECK(round_trip(r).moves.empty());
  r.moves = {{"HS1", "Nguyễn Văn An", "6A", "6B", 1790000000}, {"HS2", "Lê Thị Bình", "6A", "6C", 1790000100}};
  CHECK(round_trip(r).moves == r.moves);
  // The school's and the user's names, for a printed book (absent from older servers: empty).
  CHECK(round_trip(r).school.empty());
  r.school = "Trường THCS Nguyễn Du";
  r.full_name = "Trần Thị Hoa";
  CHECK(round_trip(r).school == "Trường THCS Nguyễn Du");
  CHECK(round_trip(r).full_name == "Trần Thị Hoa");
  auto e = round_trip(Error{ErrorCode::kTooLarge, "quá lớn", 3});
  CHECK(e.code == ErrorCode::kTooLarge);
  round_trip(RosterRequest{});
  auto hr = round_trip(HistoryRequest{{"6A", "Toán", "HS1", "HK1.GK"}});
  CHECK(hr.cell.column == "HK1.GK");
  History hist{"", {{1000, "gv", "dev (laptop)", "OK", "", "8", ""}, {1001, "gv2", "x", "TERM_LOCKED", "8", "9", "khóa"}}};
  CHECK(round_trip(hist).entries == hist.entries);
  round_trip(CorrectionsRequest{});
  auto pw = round_trip(PasswordChange{"cũ-12345", "mới-67890"});
  CHECK(pw.current_password == "cũ-12345");
  CHECK(pw.new_password == "mới-67890");
  round_trip(PasswordChanged{});
  CorrectionList corrections{{{3, {"6A", "Toán", "HS6A01", "HK1.CK"}, "Nguyễn Văn An", "4", "7", "Cộng nhầm", "gv.toan.1",
                               1763900000, "refused", "hieutruong", "Không có căn cứ", 1763900100}}};
  CHECK(round_trip(corrections).items == corrections.items);
}

TEST_CASE("garbage and non-map frames are malformed", "[protocol]") {
  for (std::string bytes : {std::string(), std::string("\xff\x00\x13garbage", 10), cbor(nlohmann::json::array({1, 2})),
                            cbor(nlohmann::json("hello")),
                            // an array that claims 2^62 items (the JSON library threw on it)
                            std::string("\x9b\x40\x00\x00\x00\x00\x00\x00\x00\x01", 10)}) {
    Decoded d = decode(bytes);
    CHECK_FALSE(d.message.has_value());
    CHECK(d.code == ErrorCode::kMalformed);
  }
}

TEST_CASE("an unknown op kind or correction status is malformed", "[protocol]") {
  Push p{1, {make_op(1, "8", 1763900000)}};
  p.ops[0].kind = static_cast<OpKind>(kMaxOpKind + 1);
  Decoded d = decode(encode(p));
  CHECK_FALSE(d.message.has_value());
  CHECK(d.code == ErrorCode::kMalformed);
  CorrectionList list{{{1, {"6A", "Toán", "HS1", "HK1.CK"}, "", "4", "7", "", "gv", 0, "maybe", "", "", 0}}};
  CHECK_FALSE(decode(encode(list)).message.has_value());
  // A lock notice carries only a lock's refusal codes.
  Roster r{4, {"GVBM"}, {{"6A", 6}}, {{"Toán", true, 140}}, {}, {{"6A", "Toán"}}};
  r.locks = {{"6A", "Toán", "HK1", "GK", ErrorCode::kForbidden, false, "x"}};
  Decoded lk = decode(encode(r));
  CHECK_FALSE(lk.message.has_value());
  CHECK_THAT(lk.error, Catch::Contains("lk.code"));
  // A calendar's Sunday flag is a boolean.
  r.locks.clear();
  auto bad = nlohmann::json::from_cbor(encode(r));
  bad["ca"] = {{"y", {"2026-09-05", "2027-05-31"}}, {"su", 1}, {"b2", nlohmann::json::array()}};
  Decoded ca = decode(cbor(bad));
  CHECK_FALSE(ca.message.has_value());
  CHECK_THAT(ca.error, Catch::Contains("ca.su"));
  // A class move is five fields, its time an integer.
  auto bad_move = nlohmann::json::from_cbor(encode(r));
  bad_move["mv"] = {{"HS1", "An", "6A", "6B", "hôm qua"}};
  Decoded mv = decode(cbor(bad_move));
  CHECK_FALSE(mv.message.has_value());
  CHECK_THAT(mv.error, Catch::Contains("mv.at"));
}

TEST_CASE("missing and mistyped fields are named", "[protocol]") {
  Decoded d = decode(cbor({{"t", "push"}, {"o", nlohmann::json::array()}}));
  CHECK(d.code == ErrorCode::kMalformed);
  CHECK_THAT(d.error, Catch::Contains("'b'"));
  d = decode(cbor({{"t", "push"}, {"b", 1}, {"o", {{1, "6A", "Toán", "HS", "HK1.TX1", 8.5, 0, 0}}}}));
  CHECK(d.code == ErrorCode::kMalformed);
  CHECK_THAT(d.error, Catch::Contains("o.value"));
  d = decode(cbor({{"t", "teleport"}}));
  CHECK_THAT(d.error, Catch::Contains("unknown message type"));
  // Non-increasing seq inside a push.
  d = decode(cbor({{"t", "push"}, {"b", 1}, {"o", {{0, "6A", "Toán", "HS", "HK1.TX1", "8", 0, 0}}}}));
  CHECK(d.code == ErrorCode::kMalformed);
}

TEST_CASE("oversized input is refused as TOO_LARGE", "[protocol]") {
  Push p{1, {}};
  for (std::uint64_t i = 1; i <= kMaxOpsPerPush + 1; ++i) p.ops.push_back(make_op(i, "8", 0));
  Decoded d = decode(encode(Message{p}));
  CHECK(d.code == ErrorCode::kTooLarge);
  CHECK_FALSE(d.message.has_value());

  d = decode(std::string(kMaxMessageBytes + 1, 'x'));
  CHECK(d.code == ErrorCode::kTooLarge);

  Push big{1, {make_op(1, std::string(kMaxValueBytes + 1, 'x'), 0)}};
  CHECK(decode(encode(Message{big})).code == ErrorCode::kTooLarge);
}

TEST_CASE("a student's full name up to kMaxNameBytes travels in a roster and a correction list", "[protocol]") {
  // A long Vietnamese name: 85 three-byte letters and one ASCII, as the
  // roster import accepts. The correction list once capped it at 64 bytes,
  // so one such student made every correction list undecodable.
  std::string name;
  for (int i = 0; i < 85; ++i) name += "Ệ";
  name += "A";
  REQUIRE(name.size() == kMaxNameBytes);
  Roster r{4, {"GVBM"}, {{"6A", 6}}, {{"Toán", true, 140}}, {{"HS1", name, "6A"}}, {{"6A", "Toán"}}};
  CHECK(round_trip(r).students == r.students);
  CorrectionList list{{{3, {"6A", "Toán", "HS1", "HK1.CK"}, name, "4", "7", "Cộng nhầm", "gv.toan.1", 1763900000,
                        "pending", "", "", 0}}};
  CHECK(round_trip(list).items == list.items);
  // One byte more is refused by both.
  r.students[0].full_name += "A";
  list.items[0].student_name += "A";
  CHECK(decode(encode(Message{r})).code == ErrorCode::kTooLarge);
  CHECK(decode(encode(Message{list})).code == ErrorCode::kTooLarge);
}

TEST_CASE("a peer with another protocol or schema version is refused", "[protocol]") {
  Decoded d = decode(encode(Message{Hello{kProtocolVersion + 1, kSchemaVersion, "d", "t"}}));
  CHECK(d.code == ErrorCode::kVersionMismatch);
  CHECK_THAT(d.error, Catch::Contains("protocol"));
  d = decode(encode(Message{Login{kProtocolVersion, kSchemaVersion + 5, "u", "p", "", ""}}));
  CHECK(d.code == ErrorCode::kVersionMismatch);
}

TEST_CASE("error codes parse back and carry retry advice", "[protocol]") {
  for (auto code : {ErrorCode::kOk, ErrorCode::kDuplicate, ErrorCode::kTermLocked, ErrorCode::kEntryClosed,
                    ErrorCode::kApprovedReadOnly, ErrorCode::kForbidden, ErrorCode::kInvalidValue,
                    ErrorCode::kConflict, ErrorCode::kUnauthenticated, ErrorCode::kVersionMismatch,
                    ErrorCode::kRateLimited, ErrorCode::kTooLarge, ErrorCode::kMalformed, ErrorCode::kInternal,
                    ErrorCode::kUnavailable, ErrorCode::kPasswordChangeRequired})
    CHECK(parse_error_code(to_string(code)) == code);
  CHECK(advice(ErrorCode::kForbidden) == RetryAdvice::kShowUser);
  CHECK(advice(ErrorCode::kInternal) == RetryAdvice::kRetryLater);
  CHECK(advice(ErrorCode::kUnauthenticated) == RetryAdvice::kReauthenticate);
  CHECK(advice(ErrorCode::kPasswordChangeRequired) == RetryAdvice::kReauthenticate);
  CHECK_FALSE(parse_error_code("NOPE").has_value());
}

TEST_CASE("a roster carries each grade's subject settings (gs), optional both ways", "[protocol][curriculum]") {
  Roster r{4, {"GVBM"}, {{"8A", 8}}, {{"Công nghệ", true, 35}}, {}, {{"8A", "Công nghệ"}}};
  CHECK(nlohmann::json::from_cbor(encode(Message{r})).contains("gs") == false);  // a demo school sends none
  CHECK(round_trip(r).grade_subjects.empty());
  r.grade_subjects = {{8, {"Công nghệ", true, 52, false, "", false}},
                      {8, {"Âm nhạc", false, 35, false, "Nghệ thuật", false}},
                      {10, {"Toán", true, 105, true, "", false}},
                      {1, {"Tiếng Việt", false, 420, false, "", true}}};
  CHECK(round_trip(r).grade_subjects == r.grade_subjects);
  // A THPT class's choice (cs): absent unless sent, then as sent.
  CHECK(nlohmann::json::from_cbor(encode(Message{r})).contains("cs") == false);
  r.class_subjects = {{"10A1", {"Toán", "Hoạt động trải nghiệm, hướng nghiệp", "Vật lí"}, {"Toán", "Vật lí"}}};
  CHECK(round_trip(r).class_subjects == r.class_subjects);
  {
    auto bad_cs = nlohmann::json::from_cbor(encode(Message{r}));
    bad_cs["cs"][0][1] = "Toán,Vật lí";
    Decoded refused = decode(cbor(bad_cs));
    CHECK_FALSE(refused.message.has_value());
    CHECK_THAT(refused.error, Catch::Contains("cs.subjects"));
  }
  // What an older client meets: a key it does not know is left alone.
  auto j = nlohmann::json::from_cbor(encode(Message{r}));
  j["zz"] = nlohmann::json::array({1, 2});
  CHECK(decode(cbor(j)).message.has_value());
  // A malformed entry is refused, named.
  j = nlohmann::json::from_cbor(encode(Message{r}));
  j["gs"][0][2] = "yes";
  Decoded bad = decode(cbor(j));
  CHECK_FALSE(bad.message.has_value());
  CHECK_THAT(bad.error, Catch::Contains("gs."));
}

TEST_CASE("a roster says which classes the user reads whole (wc): absent, empty and listed differ, bounded",
          "[protocol]") {
  Roster r{4, {"GVBM", "GVCN"}, {{"8A", 8}, {"8B", 8}}, {{"Toán", true, 140}}, {}, {{"8A", "Toán"}, {"8B", "Toán"}}};
  // An older server sends none: the client cannot tell, and says so (nullopt).
  CHECK(nlohmann::json::from_cbor(encode(Message{r})).contains("wc") == false);
  CHECK_FALSE(round_trip(r).whole_classes.has_value());
  // A subject teacher of no class they head: present and empty, not absent.
  r.whole_classes.emplace();
  CHECK(nlohmann::json::from_cbor(encode(Message{r})).contains("wc"));
  REQUIRE(round_trip(r).whole_classes.has_value());
  CHECK(round_trip(r).whole_classes->empty());
  r.whole_classes = std::vector<std::string>{"8B"};
  CHECK(round_trip(r).whole_classes == r.whole_classes);
  // Each name is a key (≤ 64 bytes, no control character), at most 10,000 of them.
  auto j = nlohmann::json::from_cbor(encode(Message{r}));
  j["wc"][0] = std::string(65, 'A');
  CHECK_FALSE(decode(cbor(j)).message.has_value());
  j["wc"] = "8B";
  Decoded not_list = decode(cbor(j));
  CHECK_FALSE(not_list.message.has_value());
  CHECK_THAT(not_list.error, Catch::Contains("wc"));
  j["wc"] = nlohmann::json::array();
  for (int i = 0; i <= 10000; ++i) j["wc"].push_back("8B");
  CHECK_FALSE(decode(cbor(j)).message.has_value());
}

TEST_CASE("a roster says which subjects the user reads in the classes not whole (rs): absent, empty and listed differ, "
          "bounded",
          "[protocol]") {
  Roster r{4, {"GVBM", "TTCM"}, {{"8A", 8}}, {{"Toán", true, 140}, {"Tin học", true, 35}}, {}, {}};
  // An older server sends none (nullopt); a newer one says, even when empty.
  CHECK(nlohmann::json::from_cbor(encode(Message{r})).contains("rs") == false);
  CHECK_FALSE(round_trip(r).read_subjects.has_value());
  r.read_subjects.emplace();
  CHECK(nlohmann::json::from_cbor(encode(Message{r})).contains("rs"));
  REQUIRE(round_trip(r).read_subjects.has_value());
  CHECK(round_trip(r).read_subjects->empty());
  r.read_subjects = std::vector<ReadSubjects>{{"8A", {"Toán", "Tin học"}}};
  CHECK(round_trip(r).read_subjects == r.read_subjects);
  // [class, [subject, …]]: keys only, at most 200 subjects a class.
  auto j = nlohmann::json::from_cbor(encode(Message{r}));
  j["rs"][0][1][0] = std::string(65, 'A');
  CHECK_FALSE(decode(cbor(j)).message.has_value());
  j["rs"][0] = "8A";
  Decoded not_pair = decode(cbor(j));
  CHECK_FALSE(not_pair.message.has_value());
  CHECK_THAT(not_pair.error, Catch::Contains("rs"));
  j["rs"][0] = nlohmann::json::array({"8A", nlohmann::json::array()});
  for (int i = 0; i <= 200; ++i) j["rs"][0][1].push_back("Toán");
  CHECK_FALSE(decode(cbor(j)).message.has_value());
}
