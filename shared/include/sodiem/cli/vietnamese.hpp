// Vietnamese for the CLI11 command lines of sodiem and sodiem-server: the
// --help text (labels, groups, type names, the help flag) and the argument
// errors (by kind, naming the option, then "Xem thêm: <lệnh> --help").
// Header-only; only the two mains call vietnamize(), after every subcommand
// is declared. Exit codes stay CLI11's.
#pragma once
#include <CLI/CLI.hpp>
#include <cctype>
#include <map>
#include <memory>
#include <regex>
#include <optional>
#include <string>

namespace sodiem::cli {

inline constexpr const char* kHelpFlagDescription = "In hướng dẫn này rồi thoát";

// CLI11's type names (TEXT, INT, …) as shown after an option in --help.
inline std::string vietnamese_type_name(const std::string& type) {
  static const std::map<std::string, std::string> names{
      {"TEXT", "CHỮ"},           {"INT", "SỐ_NGUYÊN"},    {"UINT", "SỐ_TỰ_NHIÊN"}, {"FLOAT", "SỐ"},
      {"NUMBER", "SỐ"},          {"BOOLEAN", "ĐÚNG/SAI"}, {"CHAR", "KÝ_TỰ"},       {"ENUM", "LỰA_CHỌN"},
      {"FILE", "TỆP"},           {"DIR", "THƯ_MỤC"},      {"PATH", "ĐƯỜNG_DẪN"}};
  const auto it = names.find(type);
  return it == names.end() ? type : it->second;
}

// A CLI11 argument error as a sentence a teacher can act on; the detail
// (which option, which value) is kept.
inline std::string vietnamese_error(const CLI::Error& e) {
  const std::string what = e.what();
  std::smatch m;
  const auto match = [&](const char* pattern) { return std::regex_match(what, m, std::regex(pattern)); };
  if (dynamic_cast<const CLI::RequiredError*>(&e)) {
    if (what == "A subcommand" || what == "A subcommand is required" || match(R"(Requires at least (\d+) subcommands)"))
      return "Thiếu lệnh: hãy chọn một lệnh trong danh sách của --help.";
    if (match(R"((.+) is required)")) return "Thiếu " + m[1].str() + " (bắt buộc phải có).";
    return "Thiếu tham số bắt buộc: " + what;
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    if (match(R"(The following arguments? (?:was|were) not expected: (.*))"))
      return "Không hiểu: " + m[1].str() + " (không có lệnh hay tùy chọn nào như vậy ở đây, hoặc thừa giá trị).";
    return "Có tham số thừa: " + what;
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    if (match(R"(Expected exactly (\d+) arguments to (.+), got (\d+))"))
      return m[2].str() + " cần đúng " + m[1].str() + " giá trị, nhưng có " + m[3].str() + ".";
    if (match(R"(Expected at least (\d+) arguments to (.+), got (\d+))") ||
        match(R"((.+): At least (\d+) required but received (\d+))")) {
      const bool named_first = !std::isdigit(static_cast<unsigned char>(m[1].str()[0]));
      const std::string name = named_first ? m[1].str() : m[2].str(), count = named_first ? m[2].str() : m[1].str();
      return name + " cần ít nhất " + count + " giá trị, nhưng có " + m[3].str() + ".";
    }
    if (match(R"((.+): At Most (\d+) required but received (\d+))"))
      return m[1].str() + " nhận nhiều nhất " + m[2].str() + " giá trị, nhưng có " + m[3].str() + ".";
    if (match(R"((.+): (\d+) required .* missing)")) return "Thiếu giá trị sau " + m[1].str() + ".";
    if (match(R"((.+) was given a disallowed flag override)"))
      return m[1].str() + " là cờ bật/tắt, không nhận giá trị.";
    return "Số giá trị không đúng: " + what;
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e)) {
    if (match(R"(The value (.*) is not an allowed value for (.+))"))
      return "Giá trị \"" + m[1].str() + "\" không dùng được cho " + m[2].str() + ".";
    if (match(R"(Could not convert: (.+?) = (.*))"))
      return "Giá trị \"" + m[2].str() + "\" của " + m[1].str() + " không đúng dạng (ví dụ: cần một số).";
    if (match(R"((.+): too many inputs for a flag)") || match(R"((.+): Should be true/false or a number)"))
      return m[1].str() + " là cờ bật/tắt, không nhận giá trị.";
    return "Giá trị không đúng dạng: " + what;
  }
  if (dynamic_cast<const CLI::ValidationError*>(&e)) {
    if (match(R"((.+?): Value (.*) not in range (\S+) to (\S+))"))
      return m[1].str() + ": \"" + m[2].str() + "\" phải là một số từ " + m[3].str() + " đến " + m[4].str() + ".";
    if (match(R"((.+?): (.*) not in \{(.*)\})"))
      return m[1].str() + ": \"" + m[2].str() + "\" không hợp lệ; chọn một trong: " +
             std::regex_replace(m[3].str(), std::regex(","), ", ") + ".";
    if (match(R"((.+?): (.*))")) return m[1].str() + ": giá trị không hợp lệ (" + m[2].str() + ").";
    return "Giá trị không hợp lệ: " + what;
  }
  if (dynamic_cast<const CLI::RequiresError*>(&e) && match(R"((.+) requires (.+))"))
    return m[1].str() + " phải dùng cùng với " + m[2].str() + ".";
  if (dynamic_cast<const CLI::ExcludesError*>(&e) && match(R"((.+) excludes (.+))"))
    return "Không dùng " + m[1].str() + " cùng với " + m[2].str() + ".";
  return "Lỗi tham số dòng lệnh: " + what;
}

namespace detail {

// CLI11's formatter, with descriptions aligned by letters rather than bytes
// (a Vietnamese letter takes two or three bytes in UTF-8).
class Formatter : public CLI::Formatter {
 public:
  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    std::string out = "  " + make_option_name(opt, is_positional) + make_option_opts(opt);
    const std::string about = make_option_desc(opt);
    if (!about.empty()) {
      std::size_t width = 0;
      for (const char c : out) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // UTF-8 lead bytes
      if (width >= column_width_) {
        out += "\n";
        width = 0;
      }
      out += std::string(column_width_ - width, ' ');
      for (const char c : about) {
        out += c;
        if (c == '\n') out += std::string(column_width_, ' ');
      }
    }
    return out + "\n";
  }
};

inline void vietnamize_node(CLI::App& app, const std::shared_ptr<CLI::Formatter>& formatter) {
  app.formatter(formatter);
  if (CLI::Option* help = app.get_help_ptr()) help->description(kHelpFlagDescription);
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_group() == "Options") opt->group("Tùy chọn");
    if (opt->get_type_size() == 0) continue;  // a flag: no value, no type shown
    // The shown type is "BASE[:validator…]"; the validators' own text
    // (a set {a,b}, a range) follows the translated base.
    const std::string full = opt->get_type_name();
    const std::string base = full.substr(0, full.find(':'));
    for (int i = 0;; ++i) {
      CLI::Validator* v = nullptr;
      try {
        v = opt->get_validator(i);
      } catch (const CLI::OptionNotFound&) {
        break;
      }
      const std::string about = v->get_description();
      std::smatch m;
      if (std::regex_match(about, m, std::regex(R"(\S+ in \[(.*) - (.*)\])")))
        v->description("từ " + m[1].str() + " đến " + m[2].str());
    }
    opt->type_name(vietnamese_type_name(base));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_group() == "Subcommands") sub->group("Lệnh");
    vietnamize_node(*sub, formatter);
  }
}

// The deepest subcommand chosen so far, and its command line
// ("sodiem correction request").
inline const CLI::App* chosen_command(const CLI::App* app, std::string& name) {
  for (const CLI::App* at = app;;) {
    const auto chosen = at->get_subcommands();
    if (chosen.empty()) return at;
    at = chosen.front();
    name += " " + at->get_name();
  }
}

// The message for `e` raised while parsing under `root`.
inline std::string failure_message(const CLI::App* root, const CLI::Error& e, const std::string& program) {
  std::string command = program;
  const CLI::App* at = chosen_command(root, command);
  std::string message = vietnamese_error(e);
  // "sodiem sạch": CLI11 reports the missing command before the word it did not know.
  const auto unknown = at->remaining();
  if (dynamic_cast<const CLI::RequiredError*>(&e) && message.rfind("Thiếu lệnh", 0) == 0 && !unknown.empty())
    message = "Không có lệnh \"" + unknown.front() + "\"; hãy chọn một lệnh trong danh sách của --help.";
  return program + ": " + message + "\nXem thêm: " + command + " --help\n";
}

}  // namespace detail

// Puts the whole command tree of `app` into Vietnamese: call after every
// subcommand and option is declared, before parsing. `program` is the
// name shown in usage lines and in "Xem thêm: <program> … --help".
inline void vietnamize(CLI::App& app, const std::string& program) {
  app.name(program);
  auto formatter = std::make_shared<detail::Formatter>();
  formatter->label("Usage", "Cách dùng");
  formatter->label("OPTIONS", "TÙY CHỌN");
  formatter->label("SUBCOMMAND", "LỆNH");
  formatter->label("SUBCOMMANDS", "LỆNH…");
  formatter->label("Positionals", "Tham số (theo thứ tự)");
  formatter->label("REQUIRED", "BẮT BUỘC");
  formatter->label("Needs", "Cần");
  formatter->label("Excludes", "Không dùng cùng");
  formatter->label("Env", "Biến môi trường");
  detail::vietnamize_node(app, formatter);
  app.failure_message(
      [program](const CLI::App* root, const CLI::Error& e) { return detail::failure_message(root, e, program); });
}

// Parses like CLI11_PARSE, with the exit codes the README promises: nullopt
// to go on; 0 after --help; 2 for any mistake on the command line (CLI11's
// own codes, 106 for a missing argument, 109 for an unknown option …, are
// not ours). The message is Vietnamese (vietnamize).
inline std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
}

}  // namespace sodiem::cli
