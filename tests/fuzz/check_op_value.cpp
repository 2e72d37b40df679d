// Fuzz check of the value rules every op passes on the server and the
// client (see fuzz_checks.hpp). Input: a flags byte, then
// - flags & 0x80: a grading request for eval_json;
// - otherwise a periods-per-year byte, the column, 0xFF, the value; flags
//   bit 0 = a homeroom cell, bit 1 = a scored subject, bit 2 = the value
//   is repeated up to 16 × the byte after the periods (the protocol's 4,000
//   bytes a value are far beyond what byte mutations grow an input to).
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_checks.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/grading_eval.hpp"
#include "sodiem/core/mark.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/protocol/text.hpp"

namespace sodiem::fuzz {
namespace {

using protocol::TextKind;

std::string check_eval(std::string_view request) {
  const grading::EvalAnswer answer = grading::eval_json(request);
  const auto j = nlohmann::json::parse(answer.json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return "eval_json answered something that is not a JSON object: " + answer.json;
  if (answer.ok == j.contains("error")) return "eval_json's ok flag and its answer disagree: " + answer.json;
  return {};
}

// An op the protocol would carry: its column and value pass the decoder.
bool carried(std::string_view column, std::string_view value) {
  return column.size() <= protocol::kMaxKeyBytes && !protocol::text_problem(column, TextKind::kName) &&
         value.size() <= protocol::kMaxValueBytes && !protocol::text_problem(value, TextKind::kMultiline);
}

}  // namespace

std::string check_op_value(std::string_view bytes) {
  if (bytes.empty()) return {};
  const auto flags = static_cast<std::uint8_t>(bytes[0]);
  if (flags & 0x80) return check_eval(bytes.substr(1));
  if (bytes.size() < 2) return {};
  const protocol::SubjectInfo subject{"Toán", (flags & 2) != 0, static_cast<std::uint8_t>(bytes[1])};
  std::size_t repeat_to = 0;
  if (flags & 4) {
    if (bytes.size() < 3) return {};
    repeat_to = 16 * static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[2]));
  }
  const std::string_view rest = bytes.substr(flags & 4 ? 3 : 2);
  const std::size_t cut = rest.find('\xFF');
  const std::string_view column = rest.substr(0, cut);
  std::string repeated;
  std::string_view value = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + 1);
  if (repeat_to > 0 && !value.empty()) {
    while (repeated.size() < repeat_to) repeated += value;
    repeated.resize(repeat_to);
    value = repeated;
  }

  if (auto col = Column::parse(column); col && col->to_string() != column)
    return "column \"" + std::string(column) + "\" reads back as \"" + col->to_string() + "\"";
  if (auto mark = Mark::parse(value)) {
    if (mark->tenths() < 0 || mark->tenths() > Mark::kMaxTenths) return "mark out of range: " + mark->to_string();
    auto again = Mark::parse(mark->to_string());
    if (!again || *again != *mark) return "mark \"" + std::string(value) + "\" does not read back";
  }

  const protocol::SubjectInfo* subj = (flags & 1) ? nullptr : &subject;
  const auto result = normalize_cell_value(subj, column, value);
  if (result) {
    const auto again = normalize_cell_value(subj, column, *result);
    if (!again || *again != *result) return "normalising \"" + *result + "\" again changes it";
    if (carried(column, value) && !carried(column, *result))
      return "a value the protocol carries normalises to one it does not: \"" + *result + "\"";
    return {};
  }
  const Status refusal = result.status();
  if (refusal.code() != protocol::ErrorCode::kInvalidValue) return "a refused value is not INVALID_VALUE";
  // The refusal goes back to the device as an ack's reason: it must be
  // text the device's decoder takes.
  const std::string& why = refusal.message();
  if (carried(column, value) &&
      (why.size() > protocol::kMaxValueBytes || protocol::text_problem(why, TextKind::kMultiline)))
    return "the refusal of a value the protocol carries is not a reason it carries (" + std::to_string(why.size()) +
           " bytes)";
  return {};
}

}  // namespace sodiem::fuzz
