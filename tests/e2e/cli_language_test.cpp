// The command lines speak Vietnamese: --help of both binaries and of every
// subcommand (labels, help flag, descriptions), and CLI11's argument errors
// (naming the option, exit codes unchanged). Runs the real binaries; the
// error sentences are also checked in-process (sodiem/cli/vietnamese.hpp).
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "process.hpp"
#include "sodiem/cli/vietnamese.hpp"

using namespace sodiem::testing;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;
const std::string kClient = SODIEM_CLIENT_BIN;

// What CLI11 prints in English when nothing is translated.
const std::vector<std::string> kEnglishBoilerplate{"Usage:", "Print this help message", "Options:", "Subcommands:",
                                                   "REQUIRED", "Positionals:", "Run with", "is required",
                                                   "not expected"};
// Common English words that never belong in a Vietnamese description.
const std::set<std::string> kEnglishWords{"the", "and", "of", "your", "with", "for", "is", "this"};

// The English words of `text`, as whole words (a Vietnamese letter, any
// non-ASCII byte, counts as part of a word).
std::vector<std::string> english_words_in(const std::string& text) {
  std::vector<std::string> found;
  std::string word;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const unsigned char c = i < text.size() ? static_cast<unsigned char>(text[i]) : ' ';
    if (std::isalpha(c) || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
      continue;
    }
    if (kEnglishWords.count(word)) found.push_back(word);
    word.clear();
  }
  return found;
}

// The subcommand names listed under "Lệnh:" in a help text.
std::vector<std::string> listed_commands(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream in(help);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "Lệnh:") {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.size() < 3 || line.compare(0, 2, "  ") != 0 || line[2] == ' ') break;
    names.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  return names;
}

void require_vietnamese_help(const CommandResult& r, const std::string& what) {
  INFO(what << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Cách dùng:"));
  CHECK_THAT(r.out, Catch::Contains("-h,--help"));
  CHECK_THAT(r.out, Catch::Contains(sodiem::cli::kHelpFlagDescription));
  for (const auto& english : kEnglishBoilerplate) CHECK_THAT(r.out, !Catch::Contains(english));
  CHECK(english_words_in(r.out).empty());
}

// Visits `argv --help` and every subcommand below it; returns how many.
std::size_t walk_help(std::vector<std::string> argv) {
  std::string path;
  for (const auto& a : argv) path += a + " ";
  argv.push_back("--help");
  const auto r = run_command(argv);
  require_vietnamese_help(r, path);
  argv.pop_back();
  std::size_t visited = 1;
  for (const auto& name : listed_commands(r.out)) {
    argv.push_back(name);
    visited += walk_help(argv);
    argv.pop_back();
  }
  return visited;
}

}  // namespace

TEST_CASE("the help of sodiem, sodiem-server and a subcommand reads in Vietnamese", "[e2e]") {
  for (const auto& argv : std::vector<std::vector<std::string>>{{kClient, "--help"},
                                                                {kServer, "--help"},
                                                                {kClient, "set", "--help"},
                                                                {kServer, "lock", "--help"}}) {
    const auto r = run_command(argv);
    require_vietnamese_help(r, argv[1]);
    CHECK_THAT(r.out, Catch::Contains("Tùy chọn:"));
  }
  const auto client = run_command({kClient, "--help"});
  CHECK_THAT(client.out, Catch::Contains("Cách dùng: sodiem [TÙY CHỌN] LỆNH"));
  CHECK_THAT(client.out, Catch::Contains("Lệnh:"));
  CHECK_THAT(client.out, Catch::Contains("Ghi một ô điểm"));
  const auto set = run_command({kClient, "set", "--help"});
  CHECK_THAT(set.out, Catch::Contains("Cách dùng: sodiem set"));
  CHECK_THAT(set.out, Catch::Contains("--data CHỮ BẮT BUỘC"));
  const auto sync = run_command({kClient, "sync", "--help"});
  CHECK_THAT(sync.out, Catch::Contains("SỐ_NGUYÊN:từ 1 đến 1000"));
  // Descriptions line up by letters, not bytes: "CHỮ BẮT BUỘC" is 12 letters, 18 bytes.
  const auto line_start = set.out.find("  --data CHỮ BẮT BUỘC");
  REQUIRE(line_start != std::string::npos);
  const auto about = set.out.find("Thư mục", line_start);
  std::size_t column = 0;
  for (auto i = line_start; i < about; ++i) column += (static_cast<unsigned char>(set.out[i]) & 0xC0) != 0x80;
  CHECK(column == 30);  // CLI11's column width
  const auto lock = run_command({kServer, "lock", "--help"});
  CHECK_THAT(lock.out, Catch::Contains("Tham số (theo thứ tự):"));
  CHECK_THAT(lock.out, Catch::Contains("Không dùng cùng: --by"));
}

TEST_CASE("every subcommand's --help of both binaries is Vietnamese, without common English words", "[e2e]") {
  CHECK(english_words_in("Record the cell") == std::vector<std::string>{"the"});  // the check itself works
  CHECK(english_words_in("theo thế, lớp 6A").empty());
  CHECK(walk_help({kClient}) >= 22);
  CHECK(walk_help({kServer}) >= 31);
}

TEST_CASE("argument errors are Vietnamese, name the option and exit 2 as the README says for invalid input", "[e2e]") {
  struct Case {
    std::vector<std::string> argv;
    int exit_code;
    std::vector<std::string> expect;
  };
  for (const auto& c : std::vector<Case>{
           {{kClient, "set", "6A", "Toán", "HS6A01", "HK1.TX1", "8"},
            2,
            {"Thiếu --data (bắt buộc phải có).", "Xem thêm: sodiem set --help"}},
           {{kClient, "set", "--data", "/nowhere", "6A", "Toán", "HS6A01", "HK1.TX1", "8", "thừa"},
            2,
            {"Không hiểu: thừa", "Xem thêm: sodiem set --help"}},
           {{kClient}, 2, {"Thiếu lệnh", "Xem thêm: sodiem --help"}},
           {{kClient, "sạch"}, 2, {"Không có lệnh \"sạch\"", "Xem thêm: sodiem --help"}},
           {{kClient, "sync", "--data"}, 2, {"Thiếu giá trị sau --data."}},
           {{kClient, "sync", "--data", "/nowhere", "--max-attempts", "0"},
            2,
            {"--max-attempts: \"0\" phải là một số từ 1 đến 1000."}},
           {{kClient, "sign", "draft", "6A", "HK1", "--data", "/nowhere", "--passphrase-stdin"},
            2,
            {"STEP: \"draft\" không hợp lệ; chọn một trong: subject, class, review, approve."}},
           {{kClient, "correction", "approve", "abc", "--data", "/nowhere"},
            2,
            {"\"abc\"", "ID", "Xem thêm: sodiem correction approve --help"}},
           {{kServer, "lock", "list", "--data", "/nowhere", "--unknown"},
            2,
            {"Không hiểu: --unknown", "Xem thêm: sodiem-server lock --help"}},
           {{kServer, "lock", "list", "--data", "/nowhere", "--by", "ht", "--maintenance"},
            2,
            {"Không dùng --", "--maintenance", "--by"}},
           {{kServer, "year", "new", "--data", "/nowhere", "--maintenance"},
            2,
            {"Thiếu --name (bắt buộc phải có).", "Xem thêm: sodiem-server year new --help"}},
       }) {
    const auto r = run_command(c.argv);
    std::string args;
    for (const auto& a : c.argv) args += " " + a;
    INFO(args << "\n→ " << r.exit_code << " " << r.err);
    CHECK(r.exit_code == c.exit_code);
    for (const auto& e : c.expect) CHECK_THAT(r.err, Catch::Contains(e));
    for (const auto& english : kEnglishBoilerplate) CHECK_THAT(r.err, !Catch::Contains(english));
    CHECK(english_words_in(r.err).empty());
  }
}

TEST_CASE("each kind of CLI11 argument error becomes a Vietnamese sentence keeping its detail", "[unit]") {
  using sodiem::cli::vietnamese_error;
  CHECK(vietnamese_error(CLI::RequiredError("--class")) == "Thiếu --class (bắt buộc phải có).");
  CHECK(vietnamese_error(CLI::RequiredError::Subcommand(1)) ==
        "Thiếu lệnh: hãy chọn một lệnh trong danh sách của --help.");
  // CLI11 keeps the unexpected words last first.
  CHECK(vietnamese_error(CLI::ExtrasError("sodiem", {"b", "a"})) ==
        "Không hiểu: a b (không có lệnh hay tùy chọn nào như vậy ở đây, hoặc thừa giá trị).");
  CHECK(vietnamese_error(CLI::ArgumentMismatch("CELL", 4, 2)) == "CELL cần đúng 4 giá trị, nhưng có 2.");
  CHECK(vietnamese_error(CLI::ArgumentMismatch("CELL", -2, 1)) == "CELL cần ít nhất 2 giá trị, nhưng có 1.");
  CHECK(vietnamese_error(CLI::ArgumentMismatch::AtLeast("CELL", 2, 1)) == "CELL cần ít nhất 2 giá trị, nhưng có 1.");
  CHECK(vietnamese_error(CLI::ArgumentMismatch::AtMost("CELL", 4, 5)) == "CELL nhận nhiều nhất 4 giá trị, nhưng có 5.");
  CHECK(vietnamese_error(CLI::ArgumentMismatch::TypedAtLeast("--data", 1, "CHỮ")) == "Thiếu giá trị sau --data.");
  CHECK(vietnamese_error(CLI::ArgumentMismatch::FlagOverride("--json")) == "--json là cờ bật/tắt, không nhận giá trị.");
  CHECK(vietnamese_error(CLI::ConversionError("--hours", std::vector<std::string>{"x"})) ==
        "Giá trị \"x\" của --hours không đúng dạng (ví dụ: cần một số).");
  CHECK(vietnamese_error(CLI::ConversionError("7", "--term")) == "Giá trị \"7\" không dùng được cho --term.");
  CHECK(vietnamese_error(CLI::ConversionError::TooManyInputsFlag("--json")) ==
        "--json là cờ bật/tắt, không nhận giá trị.");
  CHECK(vietnamese_error(CLI::ValidationError("--sessions", "Value 3 not in range 1 to 2")) ==
        "--sessions: \"3\" phải là một số từ 1 đến 2.");
  CHECK(vietnamese_error(CLI::ValidationError("--sundays", "maybe not in {yes,no}")) ==
        "--sundays: \"maybe\" không hợp lệ; chọn một trong: yes, no.");
  CHECK(vietnamese_error(CLI::RequiresError("--a", "--b")) == "--a phải dùng cùng với --b.");
  CHECK(vietnamese_error(CLI::ExcludesError("--maintenance", "--by")) == "Không dùng --maintenance cùng với --by.");
  CHECK(vietnamese_error(CLI::FileError::Missing("x.ini")) == "Lỗi tham số dòng lệnh: x.ini was not readable (missing?)");
}
