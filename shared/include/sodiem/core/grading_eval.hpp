// The JSON face of the grading engine (`sodiem grading eval`): one request
// object in, one answer object out, numbers as decimal strings. Invalid input
// gives {"error": "..."} naming the field. Pure; thread-safe.
#pragma once
#include <string>
#include <string_view>

namespace sodiem::grading {

struct EvalAnswer {
  bool ok = false;
  std::string json;  // the answer, or {"error": ...}
};

EvalAnswer eval_json(std::string_view request);

}  // namespace sodiem::grading
