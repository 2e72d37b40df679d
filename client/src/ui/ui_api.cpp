// The ui's JSON API handlers (see ui_api.hpp and client/ui/API.md).
#include "ui_api.hpp"

#include <nlohmann/json.hpp>
#include <tuple>

#include "sodiem/client/actions.hpp"
#include "sodiem/client/audit_watch.hpp"
#include "sodiem/client/cell_states.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/protocol/text.hpp"
#include "ui_views.hpp"

namespace sodiem::client::ui {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxEdits = 2000;
constexpr int kMaxJsonDepth = 8;

// A refusal of the request itself, thrown by the field checks.
struct Refusal {
  int status;
  std::string code, message;
};

UiResponse ok(const json& j) {
  UiResponse res;
  res.body = j.dump();
  return res;
}

UiResponse from_status(const Status& st) {
  int http = 500;
  switch (st.code()) {
    case ErrorCode::kInvalidValue: http = 422; break;
    case ErrorCode::kForbidden: http = 403; break;
    case ErrorCode::kUnauthenticated: http = 401; break;
    case ErrorCode::kPasswordChangeRequired: http = 409; break;
    case ErrorCode::kUnavailable: http = 503; break;
    case ErrorCode::kRateLimited: http = 429; break;
    default: break;
  }
  return error_response(http, protocol::to_string(st.code()), st.message());
}

json parse_body(const UiRequest& req) {
  if (!json_depth_within(req.body, kMaxJsonDepth))
    throw Refusal{400, "MALFORMED", "dữ liệu gửi lên lồng nhau quá sâu"};
  auto j = json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Refusal{400, "MALFORMED", "dữ liệu gửi lên không phải JSON hợp lệ"};
  return j;
}

// A string field: bounded, valid UTF-8 without stray control characters,
// names in NFC (as the roster stores them).
std::string text(const json& j, const char* key, protocol::TextKind kind, std::size_t max_bytes, bool required = true) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw Refusal{400, "MALFORMED", std::string("thiếu trường \"") + key + "\""};
    return {};
  }
  if (!it->is_string()) throw Refusal{400, "MALFORMED", std::string("trường \"") + key + "\" phải là chuỗi"};
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_bytes)
    throw Refusal{422, "INVALID_VALUE", std::string("trường \"") + key + "\" dài quá " + std::to_string(max_bytes) + " byte"};
  if (const char* problem = protocol::text_problem(s, kind))
    throw Refusal{422, "INVALID_VALUE", std::string("trường \"") + key + "\": " + problem};
  auto nfc = to_nfc(s);
  if (!nfc) throw Refusal{422, "INVALID_VALUE", std::string("trường \"") + key + "\" không phải văn bản hợp lệ"};
  return *nfc;
}
std::string name(const json& j, const char* key) { return text(j, key, protocol::TextKind::kName, 256); }
std::string param(const UiRequest& req, const char* key) {
  auto it = req.query.find(key);
  if (it == req.query.end() || it->second.empty())
    throw Refusal{400, "MALFORMED", std::string("thiếu tham số \"") + key + "\""};
  auto nfc = to_nfc(it->second);
  if (!nfc) throw Refusal{400, "MALFORMED", std::string("tham số \"") + key + "\" không hợp lệ"};
  return *nfc;
}
std::string term_param(const std::string& term) {
  if (term != "HK1" && term != "HK2") throw Refusal{422, "INVALID_VALUE", "học kì phải là HK1 hoặc HK2"};
  return term;
}

// A confirmation step ("" = the subject step, as before steps were named).
std::string step_of(const std::string& step) {
  if (step.empty()) return "subject";
  for (auto known : signing::kSteps)
    if (step == known) return step;
  throw Refusal{422, "INVALID_VALUE", "bước ký phải là subject, class, review hoặc approve"};
}

class Handlers {
 public:
  Handlers(LocalStore& store, SyncAgent& agent, const std::string& dir, const UiGuard& guard)
      : store_(store), agent_(agent), dir_(dir), guard_(guard) {}

  json session() {
    auto e = store_.enrollment();
    if (!e) return {{"csrf", guard_.csrf()}, {"enrolled", false}};
    json roles = json::array(), assignments = json::array();
    for (const auto& role : store_.roles()) roles.push_back(role);
    auto a = store_.db().prepare("SELECT class_name, subject FROM assignments ORDER BY class_name, subject");
    while (a.step()) {
      json one{{"class", a.text(0)}, {"subject", a.text(1)}, {"homeroom", a.text(1) == protocol::kHomeroomSubject}};
      if (one["homeroom"].get<bool>()) one["primary"] = primary(a.text(0));
      assignments.push_back(std::move(one));
    }
    // Every class this device holds (the leadership's: the school's), for the review and approve steps.
    json classes = json::array();
    auto c = store_.db().prepare("SELECT name FROM classes ORDER BY grade, name");
    while (c.step()) classes.push_back(c.text(0));
    return {{"csrf", guard_.csrf()}, {"enrolled", true}, {"user", e->username}, {"roles", roles},
            {"server", e->server_url}, {"device", e->device_id}, {"assignments", assignments}, {"classes", classes},
            {"school", store_.school_name()}, {"full_name", store_.user_full_name()}, {"school_year", store_.school_year()},
            {"archived_year", store_.archived_year()},  // a closed year's copy: read-only, never synced
            {"audit_alarm", AuditWatch(store_.db()).alarm()}};
  }

  json status() {
    const auto s = store_.status();
    const auto snap = agent_.snapshot();
    const std::int64_t total = snap.syncing ? snap.pending_at_start : 0;
    return {{"online", snap.online ? json(*snap.online) : json(nullptr)},
            {"syncing", snap.syncing},
            {"pending", s.pending},
            {"rejected", s.rejected},
            {"conflicts", s.conflicts},
            {"last_sync", s.last_sync ? json(iso8601_utc(*s.last_sync)) : json(nullptr)},
            {"last_error", snap.last_error},
            {"progress", {{"done", std::max<std::int64_t>(0, total - s.pending)}, {"total", total}}},
            {"audit_alarm", AuditWatch(store_.db()).alarm()}};
  }

  // A class of grade 1–5, assessed by TT27 (qualities and competences, no conduct).
  bool primary(const std::string& class_name) {
    const int grade = store_.class_grade(class_name);
    return grade >= 1 && grade <= 5;
  }

  // The subject (or the homeroom) of a class the user is assigned to.
  protocol::SubjectInfo assigned_subject(const std::string& class_name, const std::string& subject) {
    const bool homeroom = subject == protocol::kHomeroomSubject;
    if (!store_.has_class(class_name))
      throw Refusal{404, "NOT_FOUND", "lớp \"" + class_name + "\" không có trong danh sách lớp của bạn"};
    // A primary class's homeroom book rates qualities and competences (TT27), not conduct.
    auto info = homeroom ? std::optional(protocol::SubjectInfo{subject, false, 0, false, "", primary(class_name), ""})
                         : store_.subject(subject, class_name);
    if (!info) throw Refusal{404, "NOT_FOUND", "môn \"" + subject + "\" không có trong danh sách môn học"};
    if (!store_.assigned(class_name, subject))
      throw Refusal{403, "FORBIDDEN", homeroom ? "bạn không phải giáo viên chủ nhiệm lớp " + class_name
                                               : "bạn không được phân công dạy môn " + subject + " lớp " + class_name};
    return *info;
  }

  json grid(const UiRequest& req) {
    const auto cls = param(req, "class");
    return grid_view(store_, cls, assigned_subject(cls, param(req, "subject")));
  }

  json attendance(const UiRequest& req) {
    const auto cls = param(req, "class");
    assigned_subject(cls, std::string(protocol::kHomeroomSubject));
    const auto month = param(req, "month");
    if (month.size() != 7 || !valid_iso_date(month + "-01"))
      throw Refusal{422, "INVALID_VALUE", "tháng phải có dạng NNNN-TT, ví dụ 2026-11"};
    return attendance_view(store_, cls, std::stoi(month.substr(0, 4)), std::stoi(month.substr(5, 2)));
  }

  json board(const UiRequest& req) {
    const auto cls = param(req, "class");
    assigned_subject(cls, std::string(protocol::kHomeroomSubject));
    const auto term = param(req, "term");
    if (term != "CN") term_param(term);
    return board_view(store_, cls, term);
  }

  // A class whose board this device holds (a class-level step's).
  void known_class(const std::string& class_name) {
    if (!store_.has_class(class_name))
      throw Refusal{404, "NOT_FOUND", "lớp \"" + class_name + "\" không có trong danh sách lớp của bạn"};
  }

  json sign_preview(const UiRequest& req) {
    const auto cls = param(req, "class");
    auto step_it = req.query.find("step");
    const auto step = step_of(step_it == req.query.end() ? std::string() : step_it->second);
    if (step != "subject") {
      // The class board the step signs; who may sign it is the server's to say.
      known_class(cls);
      return class_sign_view(store_, cls, term_param(param(req, "term")), step, has_signing_key(dir_));
    }
    const auto subject = assigned_subject(cls, param(req, "subject"));
    if (subject.name == protocol::kHomeroomSubject)
      throw Refusal{422, "INVALID_VALUE", "bước ký của môn học cần một môn, không phải Chủ nhiệm"};
    return sign_view(store_, cls, subject, term_param(param(req, "term")), has_signing_key(dir_));
  }

  json cells(const json& body) {
    const auto cls = name(body, "class");
    const auto subject_name = name(body, "subject");
    const auto subject = assigned_subject(cls, subject_name);
    auto it = body.find("edits");
    if (it == body.end() || !it->is_array() || it->empty())
      throw Refusal{400, "MALFORMED", "thiếu danh sách ô cần ghi (\"edits\")"};
    if (it->size() > kMaxEdits)
      throw Refusal{413, "TOO_LARGE", "mỗi lần ghi tối đa " + std::to_string(kMaxEdits) + " ô"};
    // Every field checked first; then the whole batch in one transaction.
    std::vector<std::string> students, columns;
    std::vector<std::pair<protocol::CellKey, std::string>> edits;
    for (const auto& edit : *it) {
      if (!edit.is_object()) throw Refusal{400, "MALFORMED", "mỗi ô cần ghi phải là một đối tượng JSON"};
      const auto student = name(edit, "student");
      const auto column = name(edit, "column");
      const auto value = text(edit, "value", protocol::TextKind::kMultiline, kMaxCommentBytes * 4);
      students.push_back(student);
      columns.push_back(column);
      edits.push_back({{cls, subject_name, student, column}, value});
    }
    const auto ops = store_.record_batch(edits);
    json results = json::array();
    bool recorded = false;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto& op = ops[i];
      if (!op) {
        results.push_back({{"student", students[i]}, {"column", columns[i]}, {"ok", false},
                           {"code", protocol::to_string(op.status().code())}, {"error", op.status().message()}});
        continue;
      }
      recorded = true;
      results.push_back(
          {{"student", students[i]}, {"column", columns[i]}, {"ok", true}, {"value", op->value}, {"state", "local"}});
    }
    if (recorded) agent_.local_change();
    return {{"results", results}, {"averages", averages_view(store_, cls, subject, students)}, {"status", status()}};
  }

  json inbox() {
    std::map<std::string, std::string> names;
    auto s = store_.db().prepare("SELECT code, full_name FROM students");
    while (s.step()) names[s.text(0)] = s.text(1);
    json refused = json::array(), conflicts = json::array(), corrections = json::array();
    // Cells with a correction request filed after the refusal (sent or not).
    std::map<std::tuple<std::string, std::string, std::string, std::string>, std::uint64_t> requested;
    {
      auto q = store_.db().prepare(
          "SELECT class_name, subject, student_code, col, MAX(seq) FROM outbox WHERE kind = 1 "
          "GROUP BY class_name, subject, student_code, col");
      while (q.step()) requested[{q.text(0), q.text(1), q.text(2), q.text(3)}] = static_cast<std::uint64_t>(q.int64(4));
    }
    // A closed year's copy: nothing can be asked for from it, and its reasons say so.
    const auto here = store_.closed_year_refusal();
    const bool copy = !here.is_ok();
    for (const auto& r : store_.refused()) {
      auto it = requested.find({r.cell.class_name, r.cell.subject, r.cell.student_code, r.cell.column});
      const bool already = it != requested.end() && it->second > r.seq;
      refused.push_back({{"seq", r.seq}, {"class", r.cell.class_name}, {"subject", r.cell.subject},
                         {"student", r.cell.student_code}, {"student_name", names[r.cell.student_code]},
                         {"column", r.cell.column}, {"value", r.value}, {"code", r.code}, {"reason", reason_here(r.reason, here)},
                         {"server_value", r.server_value}, {"kind", static_cast<int>(r.kind)},
                         {"correction_requested", already},
                         {"can_request_correction",
                          !copy && !already && r.kind == protocol::OpKind::kSet && is_lock_refusal(r.code)}});
    }
    for (const auto& c : store_.my_conflicts())
      conflicts.push_back({{"class", c.cell.class_name}, {"subject", c.cell.subject}, {"student", c.cell.student_code},
                           {"student_name", names[c.cell.student_code]}, {"column", c.cell.column},
                           {"current", c.current}, {"current_author", c.current_author}, {"other", c.other},
                           {"other_author", c.other_author}});
    const auto me = store_.enrollment()->username;
    for (const auto& c : store_.corrections())
      if (c.requested_by == me)
        corrections.push_back({{"id", c.id}, {"class", c.cell.class_name}, {"subject", c.cell.subject},
                               {"student", c.cell.student_code}, {"student_name", c.student_name},
                               {"column", c.cell.column}, {"old", c.old_value}, {"new", c.new_value},
                               {"reason", c.reason}, {"status", c.status}, {"decided_by", c.decided_by},
                               {"comment", c.decision_comment}});
    // Students who moved out of the user's classes (the marks followed them).
    json moves = json::array();
    for (const auto& m : store_.move_notices())
      moves.push_back({{"student", m.student_code}, {"student_name", m.student_name}, {"from", m.from_class},
                       {"to", m.to_class}, {"at", iso8601_utc(m.at)}});
    return {{"refused", refused}, {"conflicts", conflicts}, {"corrections", corrections}, {"moves", moves}};
  }

  UiResponse correction(const json& body) {
    const auto reason = text(body, "reason", protocol::TextKind::kMultiline, kMaxCommentBytes);
    protocol::CellKey cell;
    std::string value;
    if (body.contains("seq")) {
      if (!body["seq"].is_number_unsigned()) throw Refusal{400, "MALFORMED", "\"seq\" phải là số"};
      const auto seq = body["seq"].get<std::uint64_t>();
      bool found = false;
      for (const auto& r : store_.refused())
        if (r.seq == seq && r.kind == protocol::OpKind::kSet) {
          cell = r.cell;
          value = r.value;
          found = true;
        }
      if (!found) throw Refusal{404, "NOT_FOUND", "hộp thư không có thay đổi bị từ chối #" + std::to_string(seq)};
    } else {
      cell = {name(body, "class"), name(body, "subject"), name(body, "student"), name(body, "column")};
      value = text(body, "value", protocol::TextKind::kMultiline, kMaxCommentBytes * 4);
    }
    auto op = store_.request_correction(cell, value, reason);
    if (!op) return from_status(op.status());
    agent_.local_change();
    return ok({{"ok", true}, {"seq", op->seq}});
  }

  UiResponse resolve(const json& body) {
    protocol::CellKey cell{name(body, "class"), name(body, "subject"), name(body, "student"), name(body, "column")};
    auto op = store_.resolve_conflict(cell, text(body, "value", protocol::TextKind::kMultiline, kMaxCommentBytes * 4),
                                      text(body, "note", protocol::TextKind::kMultiline, kMaxCommentBytes, false));
    if (!op) return from_status(op.status());
    agent_.local_change();
    return ok({{"ok", true}, {"seq", op->seq}, {"value", op->value}});
  }

  // ---- jobs that need the server: answered from the agent's thread. They
  // take `respond` by reference and move it into the job only once every
  // field check passed, so a refusal thrown before is still answered.
  using Work = std::function<UiResponse(LocalStore& store, const std::function<Status()>& sync_now)>;
  // Runs work as an agent job and answers with its result; whatever it
  // throws is answered as an error (the page is never left waiting).
  void post_job(UiHttpServer::Respond respond, Work work) {
    agent_.post([respond = std::move(respond), work = std::move(work)](LocalStore& store,
                                                                       const std::function<Status()>& sync_now) {
      UiResponse res;
      try {
        res = work(store, sync_now);
      } catch (const std::exception& e) {
        res = error_response(500, "INTERNAL", std::string("lỗi trên máy: ") + e.what());
      }
      respond(std::move(res));
    });
  }

  void enroll(const json& body, UiHttpServer::Respond& respond) {
    const auto server = text(body, "server", protocol::TextKind::kName, 256);
    const auto fingerprint = text(body, "fingerprint", protocol::TextKind::kName, 200, false);
    const auto user = name(body, "user");
    const auto password = text(body, "password", protocol::TextKind::kName, 256);
    const auto next = text(body, "new_password", protocol::TextKind::kName, 256, false);
    const auto device = text(body, "device_name", protocol::TextKind::kName, 100, false);
    auto* agent = &agent_;
    post_job(std::move(respond), [=](LocalStore& store, const std::function<Status()>&) {
      auto st = enroll_device(store, server, fingerprint, user, password, device.empty() ? "trinh-duyet" : device, next);
      if (!st) return from_status(st);
      agent->sync_now();
      return ok({{"ok", true}, {"user", user}});
    });
  }

  void password(const json& body, UiHttpServer::Respond& respond) {
    const auto current = text(body, "current", protocol::TextKind::kName, 256);
    const auto next = text(body, "next", protocol::TextKind::kName, 256);
    post_job(std::move(respond), [=](LocalStore& store, const std::function<Status()>&) {
      auto e = store.enrollment();
      if (!e) return error_response(409, "NOT_ENROLLED", "máy này chưa đăng ký với máy chủ của trường");
      auto transport = make_wss_transport({e->server_url, e->fingerprint});
      auto st = change_password(store, *transport, current, next);
      return st ? ok({{"ok", true}}) : from_status(st);
    });
  }

  void sign(const json& body, UiHttpServer::Respond& respond) {
    const auto cls = name(body, "class");
    const auto step = step_of(text(body, "step", protocol::TextKind::kName, 16, false));
    const auto subject = step == "subject" ? name(body, "subject") : std::string();
    if (step == "subject") assigned_subject(cls, subject);
    else known_class(cls);
    const auto term = term_param(name(body, "term"));
    const auto passphrase = text(body, "passphrase", protocol::TextKind::kName, 256);
    auto flag = body.find("new_key");
    if (flag != body.end() && !flag->is_boolean() && !flag->is_null())
      throw Refusal{400, "MALFORMED", "trường \"new_key\" phải là true hoặc false"};
    const bool new_key = flag != body.end() && flag->is_boolean() && flag->get<bool>();
    const std::string dir = dir_;
    post_job(std::move(respond), [=](LocalStore& store, const std::function<Status()>& sync_now) {
      if (new_key) {
        if (has_signing_key(dir))
          return error_response(409, "INVALID_VALUE", "máy này đã có khóa ký; hãy nhập mật khẩu của khóa");
        auto key = create_signing_key(store, dir, passphrase);
        if (!key) return from_status(key.status());
      }
      auto done = sign_step(store, dir, step, cls, term, subject, passphrase, sync_now);
      if (!done) return from_status(done.status());
      return ok({{"ok", true}, {"digest", done->digest}, {"message", done->message}});
    });
  }

 private:
  LocalStore& store_;
  SyncAgent& agent_;
  const std::string& dir_;
  const UiGuard& guard_;
};

}  // namespace

UiApi::UiApi(LocalStore& store, SyncAgent& agent, std::string data_dir, const UiGuard& guard)
    : store_(store), agent_(agent), dir_(std::move(data_dir)), guard_(guard) {}

void UiApi::handle(UiRequest&& req, UiHttpServer::Respond respond) {
  Handlers h(store_, agent_, dir_, guard_);
  const std::string& p = req.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  try {
    if (get && p == "/api/session") return respond(ok(h.session()));
    if (get && p == "/api/status") return respond(ok(h.status()));
    if (!get && p == "/api/enroll") return h.enroll(parse_body(req), respond);
    if (!store_.enrollment())
      return respond(error_response(409, "NOT_ENROLLED", "máy này chưa đăng ký với máy chủ của trường"));
    if (get && p == "/api/grid") return respond(ok(h.grid(req)));
    if (get && p == "/api/attendance") return respond(ok(h.attendance(req)));
    if (get && p == "/api/inbox") return respond(ok(h.inbox()));
    if (get && p == "/api/sign") return respond(ok(h.sign_preview(req)));
    if (get && p == "/api/board") return respond(ok(h.board(req)));
    if (!get && p == "/api/cells") return respond(ok(h.cells(parse_body(req))));
    if (!get && p == "/api/sync") {
      if (auto st = store_.closed_year_refusal(); !st) return respond(error_response(409, "ARCHIVED", st.message()));
      agent_.sync_now();
      return respond(ok({{"started", true}}));
    }
    if (!get && p == "/api/correction") return respond(h.correction(parse_body(req)));
    if (!get && p == "/api/resolve") return respond(h.resolve(parse_body(req)));
    if (!get && p == "/api/password") return h.password(parse_body(req), respond);
    if (!get && p == "/api/sign") return h.sign(parse_body(req), respond);
    respond(error_response(404, "NOT_FOUND", "không có chức năng này"));
  } catch (const Refusal& r) {
    respond(error_response(r.status, r.code, r.message));
  } catch (const std::exception& e) {
    respond(error_response(500, "INTERNAL", std::string("lỗi trên máy: ") + e.what()));
  }
}

}  // namespace sodiem::client::ui
