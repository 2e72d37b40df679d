// CBOR codec for protocol messages. Field names are short on purpose: the
// wire budget is about 40 bytes per op (see README.md for the layout).
#include "sodiem/protocol/codec.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "cbor_shape.hpp"
#include "sodiem/protocol/text.hpp"

namespace sodiem::protocol {
namespace {

using nlohmann::json;

struct DecodeError : std::runtime_error {
  DecodeError(ErrorCode c, const std::string& what) : std::runtime_error(what), code(c) {}
  ErrorCode code;
};

[[noreturn]] void fail(const std::string& what, ErrorCode code = ErrorCode::kMalformed) {
  throw DecodeError(code, what);
}

const json& field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(std::string("missing field '") + key + "'");
  return *it;
}

// Keys, names, tokens and passwords hold no control characters; values,
// notes, reasons and messages (kMaxValueBytes) may hold tab and line breaks.
TextKind kind_for(std::size_t max_bytes) { return max_bytes < kMaxValueBytes ? TextKind::kName : TextKind::kMultiline; }

std::string get_string(const json& v, const char* name, std::size_t max_bytes, TextKind kind) {
  if (!v.is_string()) fail(std::string("field '") + name + "' must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > max_bytes) fail(std::string("field '") + name + "' is too long", ErrorCode::kTooLarge);
  if (const char* problem = text_problem(s, kind))
    fail(std::string("field '") + name + "' " + problem, ErrorCode::kInvalidValue);
  return s;
}
std::string get_string(const json& v, const char* name, std::size_t max_bytes) {
  return get_string(v, name, max_bytes, kind_for(max_bytes));
}
std::string str(const json& obj, const char* key, std::size_t max_bytes = kMaxKeyBytes) {
  return get_string(field(obj, key), key, max_bytes);
}
std::string opt_str(const json& obj, const char* key, std::size_t max_bytes = kMaxKeyBytes) {
  auto it = obj.find(key);
  return it == obj.end() ? std::string() : get_string(*it, key, max_bytes);
}
// A password (TextKind::kSecret): a password chosen before invisible
// characters were refused in names still logs in.
constexpr std::size_t kMaxPasswordBytes = 256;
std::string password(const json& obj, const char* key) {
  return get_string(field(obj, key), key, kMaxPasswordBytes, TextKind::kSecret);
}
std::string opt_password(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? std::string() : get_string(*it, key, kMaxPasswordBytes, TextKind::kSecret);
}

// Delta-coded sequences: a sum that leaves the type is a malformed message,
// not undefined behaviour.
template <typename T>
T add_delta(T acc, T delta, const char* name) {
  T out{};
  if (__builtin_add_overflow(acc, delta, &out)) fail(std::string("field '") + name + "' overflows");
  return out;
}

std::uint64_t get_uint(const json& v, const char* name) {
  if (!v.is_number_unsigned()) fail(std::string("field '") + name + "' must be an unsigned integer");
  return v.get<std::uint64_t>();
}
std::int64_t get_int(const json& v, const char* name) {
  if (!v.is_number_integer()) fail(std::string("field '") + name + "' must be an integer");
  return v.get<std::int64_t>();
}
// A count held in an int (a grade, periods a year): a larger number is
// refused, not wrapped into a negative one the encoder cannot send.
int get_small_uint(const json& v, const char* name) {
  const std::uint64_t n = get_uint(v, name);
  if (n > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) fail(std::string("field '") + name + "' is too large");
  return static_cast<int>(n);
}
std::uint64_t uint(const json& obj, const char* key) { return get_uint(field(obj, key), key); }
std::uint64_t opt_uint(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? 0 : get_uint(*it, key);
}
// `v` (named `name` in refusals) as an array of at most max_items.
const json& arr_of(const json& v, const char* name, std::size_t max_items) {
  if (!v.is_array()) fail(std::string("field '") + name + "' must be an array");
  if (v.size() > max_items) fail(std::string("field '") + name + "' has too many items", ErrorCode::kTooLarge);
  return v;
}
const json& arr(const json& obj, const char* key, std::size_t max_items) { return arr_of(field(obj, key), key, max_items); }
const json& tuple(const json& v, std::size_t n, const char* name) {
  if (!v.is_array() || v.size() != n) fail(std::string("'") + name + "' entry must be an array of " + std::to_string(n));
  return v;
}

ErrorCode code_of(const std::string& s) {
  auto c = parse_error_code(s);
  if (!c) fail("unknown error code '" + s + "'");
  return *c;
}

void check_versions(const json& j) {
  auto pv = uint(j, "pv");
  auto sv = uint(j, "sv");
  if (pv != static_cast<std::uint64_t>(kProtocolVersion) || sv != static_cast<std::uint64_t>(kSchemaVersion))
    fail("peer speaks protocol " + std::to_string(pv) + " schema " + std::to_string(sv) + ", this side speaks protocol " +
             std::to_string(kProtocolVersion) + " schema " + std::to_string(kSchemaVersion),
         ErrorCode::kVersionMismatch);
}

// ---- encoders -------------------------------------------------------------

json to_json(const Hello& m) {
  json j = {{"t", "hello"}, {"pv", m.protocol_version}, {"sv", m.schema_version}, {"d", m.device_id}, {"k", m.token}};
  if (!m.school_year.empty()) j["yr"] = m.school_year;
  return j;
}
json to_json(const Login& m) {
  json j = {{"t", "login"}, {"pv", m.protocol_version}, {"sv", m.schema_version},
            {"u", m.username},  {"p", m.password},         {"n", m.device_name}};
  if (!m.new_password.empty()) j["np"] = m.new_password;
  return j;
}
json to_json(const Welcome& m) {
  json j = {{"t", "welcome"}, {"d", m.device_id}, {"e", m.server_epoch},
            {"h", m.device_high_seq}, {"u", m.username}, {"r", m.roster_version}};
  if (!m.token.empty()) j["k"] = m.token;
  if (!m.school_year.empty()) j["yr"] = m.school_year;
  return j;
}
json to_json(const Push& m) {
  json ops = json::array();
  std::uint64_t prev_seq = 0;
  std::int64_t prev_t = 0;
  for (const Op& op : m.ops) {
    json e = json::array({op.seq - prev_seq, op.cell.class_name, op.cell.subject, op.cell.student_code,
                          op.cell.column, op.value, op.base_version, op.recorded_at - prev_t});
    if (op.kind != OpKind::kSet) {  // plain sets stay 8 elements long
      e.push_back(static_cast<int>(op.kind));
      e.push_back(op.note);
    }
    ops.push_back(std::move(e));
    prev_seq = op.seq;
    prev_t = op.recorded_at;
  }
  return {{"t", "push"}, {"b", m.batch_id}, {"o", std::move(ops)}};
}
json to_json(const Ack& m) {
  json runs = json::array();
  for (const auto& r : m.accepted) runs.push_back(json::array({r.first_seq, r.first_version, r.count}));
  json outs = json::array();
  for (const auto& o : m.outcomes)
    outs.push_back(json::array({o.seq, std::string(to_string(o.code)), o.reason, o.current_value,
                                o.current_version, o.current_author}));
  return {{"t", "ack"}, {"b", m.batch_id}, {"a", std::move(runs)}, {"x", std::move(outs)}};
}
json to_json(const Pull& m) {
  return {{"t", "pull"}, {"e", m.cursor.epoch}, {"s", m.cursor.seq}, {"l", m.limit}};
}
json to_json(const Changes& m) {
  json cs = json::array();
  std::uint64_t prev_v = 0;
  std::int64_t prev_t = 0;
  for (const auto& c : m.changes) {
    cs.push_back(json::array({c.version - prev_v, static_cast<int>(c.kind), c.cell.class_name, c.cell.subject,
                              c.cell.student_code, c.cell.column, c.value, c.author, c.at - prev_t,
                              c.current_version}));
    prev_v = c.version;
    prev_t = c.at;
  }
  return {{"t", "changes"}, {"e", m.cursor.epoch}, {"s", m.cursor.seq}, {"m", m.more}, {"c", std::move(cs)}};
}
json to_json(const RosterRequest&) { return {{"t", "roster?"}}; }
json to_json(const Roster& m) {
  json classes = json::array(), subjects = json::array(), students = json::array(), assigns = json::array();
  for (const auto& c : m.classes) classes.push_back(json::array({c.name, c.grade}));
  for (const auto& s : m.subjects) subjects.push_back(json::array({s.name, s.scored, s.periods_per_year}));
  for (const auto& s : m.students) students.push_back(json::array({s.code, s.full_name, s.class_name}));
  for (const auto& a : m.assignments) assigns.push_back(json::array({a.class_name, a.subject}));
  json out{{"t", "roster"}, {"v", m.version}, {"ro", m.roles}, {"cl", std::move(classes)},
           {"su", std::move(subjects)}, {"st", std::move(students)}, {"as", std::move(assigns)}};
  if (!m.locks.empty()) {
    json locks = json::array();
    for (const auto& l : m.locks)
      locks.push_back(json::array({l.class_name, l.subject, l.term, l.column_kind, to_string(l.code),
                                   l.new_values_only, l.reason}));
    out["lk"] = std::move(locks);
  }
  if (!m.grade_subjects.empty()) {
    json gs = json::array();
    for (const auto& g : m.grade_subjects)
      gs.push_back(json::array({g.grade, g.subject.name, g.subject.scored, g.subject.periods_per_year,
                                g.subject.study_topics, g.subject.assessed_as, g.subject.primary}));
    out["gs"] = std::move(gs);
    json pt = json::array();
    for (const auto& g : m.grade_subjects)
      if (!g.subject.periodic_tests.empty()) pt.push_back(json::array({g.grade, g.subject.name, g.subject.periodic_tests}));
    if (!pt.empty()) out["pt"] = std::move(pt);
  }
  if (!m.class_subjects.empty()) {
    json cs = json::array();
    for (const auto& c : m.class_subjects) cs.push_back(json::array({c.class_name, c.subjects, c.study_topics}));
    out["cs"] = std::move(cs);
  }
  const auto& ca = m.calendar;
  if (!ca.first_day.empty() || ca.sundays || !ca.two_session_classes.empty() || !ca.terms.empty()) {
    out["ca"] = {{"y", json::array({ca.first_day, ca.last_day})}, {"su", ca.sundays}, {"b2", ca.two_session_classes}};
    if (!ca.terms.empty()) {
      json tm = json::array();
      for (const auto& t : ca.terms) tm.push_back(json::array({t.code, t.first_day, t.last_day}));
      out["ca"]["tm"] = std::move(tm);
    }
  }
  if (!m.school_year.empty()) out["yr"] = m.school_year;
  if (!m.school.empty()) out["sc"] = m.school;
  if (!m.full_name.empty()) out["me"] = m.full_name;
  if (m.whole_classes) out["wc"] = *m.whole_classes;  // present even when empty: "none whole"
  if (m.read_subjects) {  // present even when empty, as `wc`
    json rs = json::array();
    for (const auto& r : *m.read_subjects) rs.push_back(json::array({r.class_name, r.subjects}));
    out["rs"] = std::move(rs);
  }
  if (!m.moves.empty()) {
    json mv = json::array();
    for (const auto& x : m.moves) mv.push_back(json::array({x.student_code, x.student_name, x.from_class, x.to_class, x.at}));
    out["mv"] = std::move(mv);
  }
  return out;
}
json to_json(const HistoryRequest& m) {
  return {{"t", "history?"}, {"c", json::array({m.cell.class_name, m.cell.subject, m.cell.student_code, m.cell.column})}};
}
json to_json(const History& m) {
  json es = json::array();
  for (const auto& e : m.entries)
    es.push_back(json::array({e.at, e.author, e.device, e.outcome, e.old_value, e.new_value, e.reason}));
  return {{"t", "history"}, {"x", m.error}, {"h", std::move(es)}};
}
json to_json(const CorrectionsRequest&) { return {{"t", "corrections?"}}; }
json to_json(const PasswordChange& m) { return {{"t", "password"}, {"p", m.current_password}, {"np", m.new_password}}; }
json to_json(const PasswordChanged&) { return {{"t", "password!"}}; }
json to_json(const CorrectionList& m) {
  json items = json::array();
  for (const auto& c : m.items)
    items.push_back(json::array({c.id, c.cell.class_name, c.cell.subject, c.cell.student_code, c.cell.column,
                                 c.student_name, c.old_value, c.new_value, c.reason, c.requested_by, c.requested_at,
                                 c.status, c.decided_by, c.decision_comment, c.decided_at}));
  return {{"t", "corrections"}, {"r", std::move(items)}};
}
json to_json(const AuditRequest& m) {
  json j = {{"t", "audit?"}, {"e", m.epoch}, {"s", m.size}};
  if (m.want_key) j["k"] = true;
  return j;
}
json to_json(const AuditHead& m) {
  json j = {{"t", "audit"}, {"e", m.epoch}, {"n", m.size}, {"r", m.root}, {"g", m.signature}, {"p", m.proof}};
  if (!m.public_key.empty()) j["k"] = m.public_key;
  if (m.restored_from) {
    j["rf"] = m.restored_from;
    j["re"] = m.restored_from_epoch;
  }
  return j;
}
json to_json(const AuditAlarm& m) {
  return {{"t", "audit!"}, {"e", m.kept_epoch}, {"s", m.kept_size}, {"r", m.kept_root}, {"g", m.kept_signature},
          {"n", m.shown_size}, {"sr", m.shown_root}, {"w", m.why}};
}
json to_json(const AuditAlarmNoted&) { return {{"t", "audit!ok"}}; }
json to_json(const Error& m) {
  return {{"t", "error"}, {"c", std::string(to_string(m.code))}, {"m", m.message}, {"b", m.batch_id}};
}

// ---- decoders -------------------------------------------------------------

Message hello_from(const json& j) {
  check_versions(j);
  Hello m;
  m.device_id = str(j, "d");
  m.token = str(j, "k", 256);
  m.school_year = opt_str(j, "yr", kMaxKeyBytes);
  return m;
}
Message login_from(const json& j) {
  check_versions(j);
  Login m;
  m.username = str(j, "u");
  m.password = password(j, "p");
  m.device_name = opt_str(j, "n");
  m.new_password = opt_password(j, "np");
  return m;
}
Message welcome_from(const json& j) {
  Welcome m;
  m.device_id = str(j, "d");
  m.token = opt_str(j, "k", 256);
  m.server_epoch = str(j, "e");
  m.device_high_seq = uint(j, "h");
  m.username = str(j, "u");
  m.roster_version = uint(j, "r");
  m.school_year = opt_str(j, "yr", kMaxKeyBytes);
  return m;
}
Message push_from(const json& j) {
  Push m;
  m.batch_id = uint(j, "b");
  const json& ops = arr(j, "o", kMaxOpsPerPush);
  m.ops.reserve(ops.size());
  std::uint64_t seq = 0;
  std::int64_t t = 0;
  for (const json& e : ops) {
    if (!e.is_array() || (e.size() != 8 && e.size() != 10)) fail("'o' entry must be an array of 8 or 10");
    Op op;
    auto dseq = get_uint(e[0], "o.seq");
    if (dseq == 0) fail("field 'o.seq' must increase within a push");
    seq = add_delta(seq, dseq, "o.seq");
    op.seq = seq;
    op.cell.class_name = get_string(e[1], "o.class", kMaxKeyBytes);
    op.cell.subject = get_string(e[2], "o.subject", kMaxKeyBytes);
    op.cell.student_code = get_string(e[3], "o.student", kMaxKeyBytes);
    op.cell.column = get_string(e[4], "o.column", kMaxKeyBytes);
    op.value = get_string(e[5], "o.value", kMaxValueBytes);
    op.base_version = get_uint(e[6], "o.base_version");
    t = add_delta(t, get_int(e[7], "o.recorded_at"), "o.recorded_at");
    op.recorded_at = t;
    if (e.size() == 10) {
      const auto kind = get_uint(e[8], "o.kind");
      if (kind > kMaxOpKind) fail("field 'o.kind' is unknown");
      op.kind = static_cast<OpKind>(kind);
      op.note = get_string(e[9], "o.note", kMaxValueBytes);
    }
    m.ops.push_back(std::move(op));
  }
  return m;
}
Message ack_from(const json& j) {
  Ack m;
  m.batch_id = uint(j, "b");
  for (const json& e : arr(j, "a", kMaxOpsPerPush)) {
    tuple(e, 3, "a");
    m.accepted.push_back({get_uint(e[0], "a.seq"), get_uint(e[1], "a.version"), get_uint(e[2], "a.count")});
  }
  for (const json& e : arr(j, "x", kMaxOpsPerPush)) {
    tuple(e, 6, "x");
    OpOutcome o;
    o.seq = get_uint(e[0], "x.seq");
    o.code = code_of(get_string(e[1], "x.code", kMaxKeyBytes));
    o.reason = get_string(e[2], "x.reason", kMaxValueBytes);
    o.current_value = get_string(e[3], "x.current_value", kMaxValueBytes);
    o.current_version = get_uint(e[4], "x.current_version");
    o.current_author = get_string(e[5], "x.current_author", kMaxKeyBytes);
    m.outcomes.push_back(std::move(o));
  }
  return m;
}
Message pull_from(const json& j) {
  Pull m;
  m.cursor.epoch = str(j, "e");
  m.cursor.seq = uint(j, "s");
  m.limit = static_cast<std::uint32_t>(std::min<std::uint64_t>(uint(j, "l"), kMaxChangesPerPull));
  return m;
}
Message changes_from(const json& j) {
  Changes m;
  m.cursor.epoch = str(j, "e");
  m.cursor.seq = uint(j, "s");
  const json& more = field(j, "m");
  if (!more.is_boolean()) fail("field 'm' must be a boolean");
  m.more = more.get<bool>();
  std::uint64_t v = 0;
  std::int64_t t = 0;
  for (const json& e : arr(j, "c", kMaxChangesPerPull)) {
    tuple(e, 10, "c");
    Change c;
    v = add_delta(v, get_uint(e[0], "c.version"), "c.version");
    c.version = v;
    auto kind = get_uint(e[1], "c.kind");
    if (kind > 2) fail("field 'c.kind' is unknown");
    c.kind = static_cast<ChangeKind>(kind);
    c.cell.class_name = get_string(e[2], "c.class", kMaxKeyBytes);
    c.cell.subject = get_string(e[3], "c.subject", kMaxKeyBytes);
    c.cell.student_code = get_string(e[4], "c.student", kMaxKeyBytes);
    c.cell.column = get_string(e[5], "c.column", kMaxKeyBytes);
    c.value = get_string(e[6], "c.value", kMaxValueBytes);
    c.author = get_string(e[7], "c.author", kMaxKeyBytes);
    t = add_delta(t, get_int(e[8], "c.at"), "c.at");
    c.at = t;
    c.current_version = get_uint(e[9], "c.current_version");
    m.changes.push_back(std::move(c));
  }
  return m;
}
Message roster_from(const json& j) {
  Roster m;
  m.version = uint(j, "v");
  for (const json& r : arr(j, "ro", 16)) m.roles.push_back(get_string(r, "ro", kMaxKeyBytes));
  for (const json& e : arr(j, "cl", 10000)) {
    tuple(e, 2, "cl");
    m.classes.push_back({get_string(e[0], "cl.name", kMaxKeyBytes), get_small_uint(e[1], "cl.grade")});
  }
  for (const json& e : arr(j, "su", 1000)) {
    tuple(e, 3, "su");
    if (!e[1].is_boolean()) fail("field 'su.scored' must be a boolean");
    m.subjects.push_back({.name = get_string(e[0], "su.name", kMaxKeyBytes),
                          .scored = e[1].get<bool>(),
                          .periods_per_year = get_small_uint(e[2], "su.periods")});
  }
  for (const json& e : arr(j, "st", 200000)) {
    tuple(e, 3, "st");
    m.students.push_back({get_string(e[0], "st.code", kMaxKeyBytes), get_string(e[1], "st.name", kMaxNameBytes),
                          get_string(e[2], "st.class", kMaxKeyBytes)});
  }
  for (const json& e : arr(j, "as", 10000)) {
    tuple(e, 2, "as");
    m.assignments.push_back({get_string(e[0], "as.class", kMaxKeyBytes), get_string(e[1], "as.subject", kMaxKeyBytes)});
  }
  if (j.contains("lk")) {
    for (const json& e : arr(j, "lk", 100000)) {
      tuple(e, 7, "lk");
      LockNotice l;
      l.class_name = get_string(e[0], "lk.class", kMaxKeyBytes);
      l.subject = get_string(e[1], "lk.subject", kMaxKeyBytes);
      l.term = get_string(e[2], "lk.term", kMaxKeyBytes);
      l.column_kind = get_string(e[3], "lk.kind", kMaxKeyBytes);
      const auto code = parse_error_code(get_string(e[4], "lk.code", kMaxKeyBytes));
      if (!code || (*code != ErrorCode::kTermLocked && *code != ErrorCode::kEntryClosed &&
                    *code != ErrorCode::kApprovedReadOnly))
        fail("field 'lk.code' must be TERM_LOCKED, ENTRY_CLOSED or APPROVED_READ_ONLY");
      l.code = *code;
      if (!e[5].is_boolean()) fail("field 'lk.new_only' must be a boolean");
      l.new_values_only = e[5].get<bool>();
      l.reason = get_string(e[6], "lk.reason", kMaxValueBytes);
      m.locks.push_back(std::move(l));
    }
  }
  if (j.contains("gs")) {
    for (const json& e : arr(j, "gs", 20000)) {
      tuple(e, 7, "gs");
      GradeSubject g;
      g.grade = get_small_uint(e[0], "gs.grade");
      g.subject.name = get_string(e[1], "gs.name", kMaxKeyBytes);
      if (!e[2].is_boolean() || !e[4].is_boolean() || !e[6].is_boolean())
        fail("fields 'gs.scored', 'gs.topics' and 'gs.primary' must be booleans");
      g.subject.scored = e[2].get<bool>();
      g.subject.periods_per_year = get_small_uint(e[3], "gs.periods");
      g.subject.study_topics = e[4].get<bool>();
      g.subject.assessed_as = get_string(e[5], "gs.assessed_as", kMaxKeyBytes);
      g.subject.primary = e[6].get<bool>();
      m.grade_subjects.push_back(std::move(g));
    }
  }
  if (j.contains("pt")) {
    for (const json& e : arr(j, "pt", 20000)) {
      tuple(e, 3, "pt");
      const int grade = get_small_uint(e[0], "pt.grade");
      const std::string name = get_string(e[1], "pt.name", kMaxKeyBytes);
      const std::string tests = get_string(e[2], "pt.tests", 64);
      for (auto& g : m.grade_subjects)
        if (g.grade == grade && g.subject.name == name) g.subject.periodic_tests = tests;
    }
  }
  if (j.contains("cs")) {
    for (const json& e : arr(j, "cs", 20000)) {
      tuple(e, 3, "cs");
      ClassSubjects c;
      c.class_name = get_string(e[0], "cs.class", kMaxKeyBytes);
      for (const json& n : arr_of(e[1], "cs.subjects", 200)) c.subjects.push_back(get_string(n, "cs.subjects", kMaxKeyBytes));
      for (const json& n : arr_of(e[2], "cs.topics", 200)) c.study_topics.push_back(get_string(n, "cs.topics", kMaxKeyBytes));
      m.class_subjects.push_back(std::move(c));
    }
  }
  if (j.contains("wc")) {
    std::vector<std::string> whole;
    for (const json& c : arr(j, "wc", 10000)) whole.push_back(get_string(c, "wc", kMaxKeyBytes));
    m.whole_classes = std::move(whole);
  }
  if (j.contains("rs")) {
    std::vector<ReadSubjects> read;
    for (const json& e : arr(j, "rs", 10000)) {
      tuple(e, 2, "rs");
      ReadSubjects r;
      r.class_name = get_string(e[0], "rs.class", kMaxKeyBytes);
      for (const json& n : arr_of(e[1], "rs.subjects", 200)) r.subjects.push_back(get_string(n, "rs.subjects", kMaxKeyBytes));
      read.push_back(std::move(r));
    }
    m.read_subjects = std::move(read);
  }
  if (j.contains("ca")) {
    const json& ca = field(j, "ca");
    const json& y = tuple(field(ca, "y"), 2, "ca.y");
    m.calendar.first_day = get_string(y[0], "ca.y", 10);
    m.calendar.last_day = get_string(y[1], "ca.y", 10);
    const json& su = field(ca, "su");
    if (!su.is_boolean()) fail("field 'ca.su' must be a boolean");
    m.calendar.sundays = su.get<bool>();
    for (const json& c : arr(ca, "b2", 10000)) m.calendar.two_session_classes.push_back(get_string(c, "ca.b2", kMaxKeyBytes));
    if (ca.contains("tm"))
      for (const json& e : arr(ca, "tm", 4)) {
        tuple(e, 3, "ca.tm");
        m.calendar.terms.push_back(
            {get_string(e[0], "ca.tm.code", 3), get_string(e[1], "ca.tm.first", 10), get_string(e[2], "ca.tm.last", 10)});
      }
  }
  m.school_year = opt_str(j, "yr", kMaxKeyBytes);
  m.school = opt_str(j, "sc", kMaxNameBytes);
  m.full_name = opt_str(j, "me", kMaxNameBytes);
  if (j.contains("mv")) {
    for (const json& e : arr(j, "mv", 100000)) {
      tuple(e, 5, "mv");
      m.moves.push_back({get_string(e[0], "mv.student", kMaxKeyBytes), get_string(e[1], "mv.name", kMaxNameBytes),
                         get_string(e[2], "mv.from", kMaxKeyBytes), get_string(e[3], "mv.to", kMaxKeyBytes),
                         get_int(e[4], "mv.at")});
    }
  }
  return m;
}
Message history_request_from(const json& j) {
  const json& c = tuple(field(j, "c"), 4, "c");
  return HistoryRequest{{get_string(c[0], "c.class", kMaxKeyBytes), get_string(c[1], "c.subject", kMaxKeyBytes),
                         get_string(c[2], "c.student", kMaxKeyBytes), get_string(c[3], "c.column", kMaxKeyBytes)}};
}
Message history_from(const json& j) {
  History m;
  m.error = opt_str(j, "x", kMaxValueBytes);
  for (const json& e : arr(j, "h", 100000)) {
    tuple(e, 7, "h");
    m.entries.push_back({get_int(e[0], "h.at"), get_string(e[1], "h.author", 256), get_string(e[2], "h.device", 256),
                         get_string(e[3], "h.outcome", kMaxKeyBytes), get_string(e[4], "h.old", kMaxValueBytes),
                         get_string(e[5], "h.new", kMaxValueBytes), get_string(e[6], "h.reason", kMaxValueBytes)});
  }
  return m;
}
Message correction_list_from(const json& j) {
  CorrectionList m;
  for (const json& e : arr(j, "r", 100000)) {
    tuple(e, 15, "r");
    CorrectionInfo c;
    c.id = get_uint(e[0], "r.id");
    c.cell = {get_string(e[1], "r.class", kMaxKeyBytes), get_string(e[2], "r.subject", kMaxKeyBytes),
              get_string(e[3], "r.student", kMaxKeyBytes), get_string(e[4], "r.column", kMaxKeyBytes)};
    c.student_name = get_string(e[5], "r.name", kMaxNameBytes);
    c.old_value = get_string(e[6], "r.old", kMaxValueBytes);
    c.new_value = get_string(e[7], "r.new", kMaxValueBytes);
    c.reason = get_string(e[8], "r.reason", kMaxValueBytes);
    c.requested_by = get_string(e[9], "r.by", kMaxKeyBytes);
    c.requested_at = get_int(e[10], "r.at");
    c.status = get_string(e[11], "r.status", kMaxKeyBytes);
    if (c.status != "pending" && c.status != "approved" && c.status != "refused") fail("field 'r.status' is unknown");
    c.decided_by = get_string(e[12], "r.decided_by", kMaxKeyBytes);
    c.decision_comment = get_string(e[13], "r.comment", kMaxValueBytes);
    c.decided_at = get_int(e[14], "r.decided_at");
    m.items.push_back(std::move(c));
  }
  return m;
}
// Hex text of exactly `digits` digits (or empty when allowed).
std::string hex_field(const json& v, const char* name, std::size_t digits, bool may_be_empty) {
  std::string s = get_string(v, name, digits);
  if (s.empty() && may_be_empty) return s;
  if (s.size() != digits || s.find_first_not_of("0123456789abcdef") != std::string::npos)
    fail(std::string("field '") + name + "' must be " + std::to_string(digits) + " hex digits");
  return s;
}
Message audit_request_from(const json& j) {
  AuditRequest m;
  m.epoch = str(j, "e");
  m.size = uint(j, "s");
  if (auto it = j.find("k"); it != j.end()) {
    if (!it->is_boolean()) fail("field 'k' must be a boolean");
    m.want_key = it->get<bool>();
  }
  return m;
}
Message audit_head_from(const json& j) {
  AuditHead m;
  m.epoch = str(j, "e");
  m.size = uint(j, "n");
  m.root = hex_field(field(j, "r"), "r", 64, m.size == 0);
  m.signature = hex_field(field(j, "g"), "g", 128, false);
  if (auto it = j.find("k"); it != j.end()) m.public_key = hex_field(*it, "k", 64, false);
  for (const json& h : arr(j, "p", 64)) m.proof.push_back(hex_field(h, "p", 64, false));
  m.restored_from = opt_uint(j, "rf");
  m.restored_from_epoch = opt_str(j, "re");
  return m;
}
Message audit_alarm_from(const json& j) {
  AuditAlarm m;
  m.kept_epoch = str(j, "e");
  m.kept_size = uint(j, "s");
  m.kept_root = hex_field(field(j, "r"), "r", 64, false);
  m.kept_signature = hex_field(field(j, "g"), "g", 128, false);
  m.shown_size = uint(j, "n");
  m.shown_root = hex_field(field(j, "sr"), "sr", 64, true);
  m.why = str(j, "w", kMaxValueBytes);
  return m;
}
Message error_from(const json& j) {
  Error m;
  m.code = code_of(str(j, "c"));
  m.message = str(j, "m", kMaxValueBytes);
  m.batch_id = opt_uint(j, "b");
  return m;
}

}  // namespace

namespace {

// Canonical CBOR written straight from a Push, byte for byte what
// json::to_cbor makes of to_json(push) (keys sorted, shortest heads): the
// push is the one message sent by the thousand, and the JSON tree cost a
// quarter of the client's time in a large sync.
class CborWriter {
 public:
  explicit CborWriter(std::string& out) : out_(out) {}
  void head(std::uint8_t major, std::uint64_t n) {
    const auto m = static_cast<char>(major << 5);
    if (n < 24) {
      out_ += static_cast<char>(m | static_cast<char>(n));
    } else if (n <= 0xff) {
      out_ += static_cast<char>(m | 24);
      out_ += static_cast<char>(n);
    } else if (n <= 0xffff) {
      out_ += static_cast<char>(m | 25);
      big_endian(n, 2);
    } else if (n <= 0xffffffffULL) {
      out_ += static_cast<char>(m | 26);
      big_endian(n, 4);
    } else {
      out_ += static_cast<char>(m | 27);
      big_endian(n, 8);
    }
  }
  void uint(std::uint64_t v) { head(0, v); }
  void sint(std::int64_t v) {
    if (v >= 0) head(0, static_cast<std::uint64_t>(v));
    else head(1, static_cast<std::uint64_t>(-1 - v));
  }
  void text(std::string_view s) {
    head(3, s.size());
    out_.append(s);
  }

 private:
  void big_endian(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  std::string& out_;
};

std::string encode_push(const Push& m) {
  PushEncoder e(m.batch_id, m.ops.size());
  for (const Op& op : m.ops)
    e.add({op.seq, op.cell.class_name, op.cell.subject, op.cell.student_code, op.cell.column, op.value,
           op.base_version, op.recorded_at, op.kind, op.note});
  return e.finish();
}

// Reads the canonical push encode_push() writes, straight into a Push. Any
// other shape, and any input the generic decoder would refuse, gives
// nullopt: the caller then runs the generic decoder, whose answer (message
// or named error) stands, so the two paths cannot disagree.
class CborReader {
 public:
  explicit CborReader(std::string_view in) : in_(in) {}
  bool head(std::uint8_t& major, std::uint64_t& n) {
    if (pos_ >= in_.size()) return false;
    const auto b = static_cast<std::uint8_t>(in_[pos_++]);
    major = b >> 5;
    const std::uint8_t info = b & 0x1f;
    if (info < 24) {
      n = info;
      return true;
    }
    if (info > 27) return false;  // indefinite length or reserved: not ours
    const int bytes = 1 << (info - 24);
    if (in_.size() - pos_ < static_cast<std::size_t>(bytes)) return false;
    n = 0;
    for (int i = 0; i < bytes; ++i) n = (n << 8) | static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool expect(std::uint8_t major, std::uint64_t& n) {
    std::uint8_t m = 0;
    return head(m, n) && m == major;
  }
  bool uint(std::uint64_t& v) { return expect(0, v); }
  bool sint(std::int64_t& v) {
    std::uint8_t m = 0;
    std::uint64_t n = 0;
    if (!head(m, n) || m > 1 || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    v = m == 0 ? static_cast<std::int64_t>(n) : -1 - static_cast<std::int64_t>(n);
    return true;
  }
  bool text(std::string& out, std::size_t max_bytes) {
    std::uint64_t n = 0;
    if (!expect(3, n) || n > max_bytes || n > in_.size() - pos_) return false;
    if (text_problem(in_.substr(pos_, n), kind_for(max_bytes))) return false;  // the generic path names it
    out.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool literal(std::string_view s) {
    std::uint64_t n = 0;
    if (!expect(3, n) || n != s.size() || in_.size() - pos_ < n || in_.substr(pos_, n) != s) return false;
    pos_ += n;
    return true;
  }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

std::optional<Push> decode_push(std::string_view bytes) {
  CborReader r(bytes);
  Push m;
  std::uint64_t n = 0;
  if (!r.expect(5, n) || n != 3 || !r.literal("b") || !r.uint(m.batch_id) || !r.literal("o") || !r.expect(4, n) ||
      n > kMaxOpsPerPush)
    return std::nullopt;
  m.ops.resize(n);
  std::uint64_t seq = 0;
  std::int64_t t = 0;
  for (Op& op : m.ops) {
    std::uint64_t items = 0, dseq = 0;
    std::int64_t dt = 0;
    if (!r.expect(4, items) || (items != 8 && items != 10) || !r.uint(dseq) || dseq == 0 ||
        !r.text(op.cell.class_name, kMaxKeyBytes) || !r.text(op.cell.subject, kMaxKeyBytes) ||
        !r.text(op.cell.student_code, kMaxKeyBytes) || !r.text(op.cell.column, kMaxKeyBytes) ||
        !r.text(op.value, kMaxValueBytes) || !r.uint(op.base_version) || !r.sint(dt))
      return std::nullopt;
    if (__builtin_add_overflow(seq, dseq, &seq) || __builtin_add_overflow(t, dt, &t)) return std::nullopt;
    op.seq = seq;
    op.recorded_at = t;
    if (items == 10) {
      std::uint64_t kind = 0;
      if (!r.uint(kind) || kind > kMaxOpKind || !r.text(op.note, kMaxValueBytes)) return std::nullopt;
      op.kind = static_cast<OpKind>(kind);
    }
  }
  if (!r.literal("t") || !r.literal("push") || !r.at_end()) return std::nullopt;
  return m;
}

}  // namespace

PushEncoder::PushEncoder(std::uint64_t batch_id, std::size_t expected_ops) : batch_id_(batch_id) {
  body_.reserve(std::min<std::size_t>(expected_ops, kMaxOpsPerPush) * 40);  // a mark's op: ~32 bytes
}

void PushEncoder::add(const OpView& op) {
  CborWriter w(body_);
  const bool plain = op.kind == OpKind::kSet;
  w.head(4, plain ? 8 : 10);
  w.uint(op.seq - prev_seq_);
  w.text(op.class_name);
  w.text(op.subject);
  w.text(op.student_code);
  w.text(op.column);
  w.text(op.value);
  w.uint(op.base_version);
  w.sint(op.recorded_at - prev_recorded_at_);
  if (!plain) {
    w.sint(static_cast<int>(op.kind));
    w.text(op.note);
  }
  prev_seq_ = op.seq;
  prev_recorded_at_ = op.recorded_at;
  ++count_;
}

std::string PushEncoder::finish() {
  std::string out;
  out.reserve(body_.size() + 32);
  CborWriter w(out);
  w.head(5, 3);  // {"b": batch, "o": [ops], "t": "push"}
  w.text("b");
  w.uint(batch_id_);
  w.text("o");
  w.head(4, count_);
  out.append(body_);
  w.text("t");
  w.text("push");
  return out;
}

std::string encode(const Message& message) {
  if (const auto* push = std::get_if<Push>(&message)) return encode_push(*push);
  json j = std::visit([](const auto& m) { return to_json(m); }, message);
  std::string out;
  json::to_cbor(j, out);
  return out;
}

Decoded decode(std::string_view bytes) {
  if (bytes.size() <= kMaxMessageBytes)
    if (auto push = decode_push(bytes)) {  // the message that comes by the thousand
      Decoded d;
      d.message = std::move(*push);
      return d;
    }
  return decode_via_json(bytes);  // refuses oversized frames, reads everything else
}

Decoded decode_via_json(std::string_view bytes) {
  Decoded d;
  if (bytes.size() > kMaxMessageBytes) {
    d.code = ErrorCode::kTooLarge;
    d.error = "message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
              std::to_string(kMaxMessageBytes);
    return d;
  }
  // nlohmann's reader recurses per nesting level and trusts declared
  // lengths: only a bounded, well-formed shape reaches it.
  if (auto problem = detail::check_cbor_shape(bytes); problem.code != ErrorCode::kOk) {
    d.code = problem.code;
    d.error = problem.what;
    return d;
  }
  json j;
  try {
    // allow_exceptions=false still throws for some input (a huge declared
    // array size: out_of_range.408), so this catches as well.
    j = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true, /*allow_exceptions=*/false);
  } catch (const json::exception&) {
    j = json(json::value_t::discarded);
  }
  if (j.is_discarded() || !j.is_object()) {
    d.code = ErrorCode::kMalformed;
    d.error = "frame is not a CBOR map";
    return d;
  }
  try {
    const std::string type = str(j, "t");
    if (type == "hello") d.message = hello_from(j);
    else if (type == "login") d.message = login_from(j);
    else if (type == "welcome") d.message = welcome_from(j);
    else if (type == "push") d.message = push_from(j);
    else if (type == "ack") d.message = ack_from(j);
    else if (type == "pull") d.message = pull_from(j);
    else if (type == "changes") d.message = changes_from(j);
    else if (type == "roster?") d.message = RosterRequest{};
    else if (type == "roster") d.message = roster_from(j);
    else if (type == "error") d.message = error_from(j);
    else if (type == "history?") d.message = history_request_from(j);
    else if (type == "history") d.message = history_from(j);
    else if (type == "corrections?") d.message = CorrectionsRequest{};
    else if (type == "password") d.message = PasswordChange{password(j, "p"), password(j, "np")};
    else if (type == "password!") d.message = PasswordChanged{};
    else if (type == "corrections") d.message = correction_list_from(j);
    else if (type == "audit?") d.message = audit_request_from(j);
    else if (type == "audit") d.message = audit_head_from(j);
    else if (type == "audit!") d.message = audit_alarm_from(j);
    else if (type == "audit!ok") d.message = AuditAlarmNoted{};
    else fail("unknown message type '" + type + "'");
  } catch (const DecodeError& e) {
    d.code = e.code;
    d.error = e.what();
  } catch (const json::exception& e) {
    d.code = ErrorCode::kMalformed;
    d.error = e.what();
  }
  return d;
}

std::string_view type_name(const Message& message) {
  static constexpr std::string_view kNames[] = {"hello",  "login", "welcome", "push",     "ack",    "pull",
                                                "changes", "roster?", "roster", "error", "history?", "history",
                                                "corrections?", "corrections", "password", "password!",
                                                "audit?", "audit", "audit!", "audit!ok"};
  return kNames[message.index()];
}

}  // namespace sodiem::protocol
