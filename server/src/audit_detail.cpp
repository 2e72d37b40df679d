// Reading one audit entry's detail (see audit_detail.hpp). The shapes are
// those ingest.cpp and corrections.cpp write.
#include "sodiem/server/audit_detail.hpp"

#include <nlohmann/json.hpp>

namespace sodiem::server {
namespace {

using nlohmann::json;

// A correction approval: {"class", "subject", "student", "column", "new",
// "version", …}; a missing field reads as "" (0 for the version).
AuditDetail approval(const json& d) {
  AuditDetail out;
  if (!d.is_object()) {
    out.problem = AuditDetail::Problem::kMalformed;
    return out;
  }
  AuditedVersion v;
  for (auto [key, target] : {std::pair{"class", &v.class_name}, std::pair{"subject", &v.subject},
                             std::pair{"student", &v.student}, std::pair{"column", &v.column}, std::pair{"new", &v.value}}) {
    auto it = d.find(key);
    if (it == d.end()) continue;
    if (!it->is_string()) {
      out.problem = AuditDetail::Problem::kMalformed;
      return out;
    }
    *target = it->get<std::string>();
  }
  if (auto it = d.find("version"); it != d.end()) {
    if (!it->is_number_integer()) {
      out.problem = AuditDetail::Problem::kMalformed;
      return out;
    }
    v.version = it->get<std::int64_t>();
  }
  out.versions.push_back(std::move(v));
  return out;
}

// A push: "ops" rows [seq, code, version, class, subject, student, column,
// value] of ops with an outcome (an unchanged one names the version it
// found; before runs existed, every op was such a row), then "runs" of
// accepted ops [class, subject, first seq, first version, [[student,
// column, value], …]] with consecutive versions.
AuditDetail push(const json& d) {
  AuditDetail out;
  const auto malformed = [&] {
    out.problem = AuditDetail::Problem::kMalformed;
    return out;
  };
  if (!d.is_object()) return malformed();
  static const json kNone = json::array();
  auto list = [&](const char* key) -> const json* {
    auto it = d.find(key);
    if (it == d.end()) return &kNone;
    return it->is_array() ? &*it : nullptr;
  };
  const json* ops = list("ops");
  const json* runs = list("runs");
  if (!ops) return malformed();
  for (const auto& op : *ops) {
    if (!op.is_array() || op.size() != 8 || !op[2].is_number_integer() || !op[1].is_string()) return malformed();
    const std::int64_t version = op[2].get<std::int64_t>();
    if (op[1] != "OK" || version == 0) {
      bool texts = true;
      for (int i = 3; i < 8; ++i) texts = texts && op[i].is_string();
      if (texts && op[1] != "OK")
        out.outcomes.push_back({op[1].get<std::string>(),
                                {version, op[3].get<std::string>(), op[4].get<std::string>(), op[5].get<std::string>(),
                                 op[6].get<std::string>(), op[7].get<std::string>()}});
      continue;
    }
    for (int i = 3; i < 8; ++i)
      if (!op[i].is_string()) return malformed();
    out.versions.push_back({version, op[3].get<std::string>(), op[4].get<std::string>(), op[5].get<std::string>(),
                            op[6].get<std::string>(), op[7].get<std::string>()});
  }
  if (!runs) return malformed();
  for (const auto& run : *runs) {
    if (!run.is_array() || run.size() != 5 || !run[0].is_string() || !run[1].is_string() ||
        !run[3].is_number_integer() || !run[4].is_array())
      return malformed();
    std::int64_t version = run[3].get<std::int64_t>();
    bool first = true;
    for (const auto& op : run[4]) {
      if (!op.is_array() || op.size() != 3 || !op[0].is_string() || !op[1].is_string() || !op[2].is_string())
        return malformed();
      if (!first && __builtin_add_overflow(version, 1, &version)) return malformed();
      first = false;
      out.versions.push_back({version, run[0].get<std::string>(), run[1].get<std::string>(), op[0].get<std::string>(),
                              op[1].get<std::string>(), op[2].get<std::string>()});
    }
  }
  return out;
}

// A student's marks moved to another class, or admitted from a transfer
// packet: {"student", "to", "versions":
// [[version, subject, column, value], …], …}.
AuditDetail moved(const json& d) {
  AuditDetail out;
  auto str = [&](const char* key) -> const json* {
    auto it = d.find(key);
    return it != d.end() && it->is_string() ? &*it : nullptr;
  };
  const json* student = d.is_object() ? str("student") : nullptr;
  const json* to = d.is_object() ? str("to") : nullptr;
  auto versions = d.is_object() ? d.find("versions") : d.end();
  if (!student || !to || versions == d.end() || !versions->is_array()) {
    out.problem = AuditDetail::Problem::kMalformed;
    return out;
  }
  for (const auto& v : *versions) {
    if (!v.is_array() || v.size() != 4 || !v[0].is_number_integer() || !v[1].is_string() || !v[2].is_string() ||
        !v[3].is_string()) {
      out.problem = AuditDetail::Problem::kMalformed;
      return out;
    }
    out.versions.push_back({v[0].get<std::int64_t>(), to->get<std::string>(), v[1].get<std::string>(),
                            student->get<std::string>(), v[2].get<std::string>(), v[3].get<std::string>()});
  }
  return out;
}

}  // namespace

AuditDetail read_audit_detail(std::string_view kind, std::string_view detail) {
  if (kind != "push" && kind != "correction_approved" && kind != "exemption" && kind != "student_moved" &&
      kind != "transfer_in" && kind != "year_end_result")
    return {};
  const json d = json::parse(detail, nullptr, /*allow_exceptions=*/false);
  if (d.is_discarded()) {
    AuditDetail out;
    out.problem = AuditDetail::Problem::kUnreadable;
    return out;
  }
  return kind == "push" ? push(d) : kind == "student_moved" || kind == "transfer_in" ? moved(d) : approval(d);
}

}  // namespace sodiem::server
