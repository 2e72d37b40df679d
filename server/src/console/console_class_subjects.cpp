// Môn lựa chọn (the principal and administrators): each THPT class's
// electives and study-topic subjects (class_choice_rows), and one class's
// choice set by set_class_choice — the function `sodiem-server class
// subjects` calls, which checks the actor's role, the choice against the
// grade and the marks already entered, and audits in the console user's
// name; its Vietnamese refusals come back as they are. The POST passes the
// console's CSRF check first (console.cpp). Console thread only.
#include "console_impl.hpp"
#include "sodiem/server/class_choices.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kChoicesOnly = "Trang Môn lựa chọn chỉ dành cho Hiệu trưởng và quản trị hệ thống";
constexpr std::size_t kMaxListed = 20;  // names in one list of a POST; a grade offers fewer

// A list of subject names of a POST body, each as text_field takes a name.
Result<std::vector<std::string>> name_list(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_array())
    return Status(ErrorCode::kInvalidValue, std::string("trường ") + key + " phải là danh sách tên môn");
  if (it->size() > kMaxListed)
    return Status(ErrorCode::kInvalidValue, std::string("trường ") + key + " có quá nhiều môn");
  std::vector<std::string> out;
  for (const auto& item : *it) {
    auto name = text_field(nlohmann::json{{key, item}}, key, protocol::TextKind::kName, 100, true);
    if (!name) return name.status();
    out.push_back(std::move(*name));
  }
  return out;
}

nlohmann::json row_json(const ClassChoiceRow& r) {
  nlohmann::json electives = nlohmann::json::array(), topics = nlohmann::json::array();
  for (const auto& g : r.offer) {
    if (g.elective) electives.push_back(g.name);
    if (g.has_topics) topics.push_back(g.name);
  }
  return {{"class", r.class_name}, {"grade", r.grade},       {"chosen", r.chosen},
          {"electives", r.electives}, {"topics", r.topics}, {"offer", {{"electives", electives}, {"topics", topics}}}};
}

}  // namespace

Response api_class_subjects(Console::Impl& c, const Actor& a, const Request&) {
  if (!chooses_class_subjects(a.user)) return error_response(403, "FORBIDDEN", kChoicesOnly);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : class_choice_rows(*c.db)) rows.push_back(row_json(r));
  return json_response({{"classes", rows},
                        {"electives_per_class", kElectivesPerClass},
                        {"topics_per_class", kTopicSubjectsPerClass}});
}

Response api_class_subjects_set(Console::Impl& c, const Actor& a, const Request& req) {
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto cls = text_field(*body, "class", protocol::TextKind::kName, 32, true);
  if (!cls) return status_response(cls.status());
  auto electives = name_list(*body, "electives");
  if (!electives) return status_response(electives.status());
  auto topics = name_list(*body, "topics");
  if (!topics) return status_response(topics.status());
  const ClassChoice choice{*cls, *electives, *topics, 0};
  auto changed = set_class_choice(*c.db, choice, a.user.username, c.clock.now_unix_seconds());
  if (!changed) return status_response(changed.status());
  return json_response({{"ok", true},
                        {"changed", *changed},
                        {"message", *changed ? "Đã ghi lựa chọn của lớp " + *cls
                                             : "Không có gì thay đổi: lớp " + *cls + " đã chọn như vậy"}});
}

}  // namespace sodiem::server::console
