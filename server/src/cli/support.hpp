// What the sodiem-server command handlers (server/src/cli/*.cpp) share:
// registering a subcommand (its handler, --data, one-of positionals),
// opening an existing data directory, reporting a refusal with its exit
// code, reading a time argument, proving who acts (--by with
// --password-stdin, or --maintenance). Only the files of server/src/cli/
// include this.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server::cli {

// A subcommand as registered: its CLI11 node, and its options filled in by
// parsing (for a structured binding: `auto [sub, o] = add_command(…)`).
template <class Options>
struct Registered {
  CLI::App* app;
  std::shared_ptr<Options> options;
};

// Subcommand `name` of `parent` with its options; when it is the command
// given, ctx.command runs `handler` on them.
template <class Options>
Registered<Options> add_command(CLI::App& parent, Context& ctx, const std::string& name, const std::string& about,
                                int (*handler)(const Options&)) {
  CLI::App* sub = parent.add_subcommand(name, about);
  auto options = std::make_shared<Options>();
  sub->callback([&ctx, options, handler] { ctx.command = [options, handler] { return handler(*options); }; });
  return {sub, options};
}

// The required `--data DIR` of every command that works on a data directory.
CLI::Option* add_data_option(CLI::App& sub, std::string& dir, const std::string& about = "Thư mục chứa toàn bộ dữ liệu của máy chủ");

// A required positional naming one of `choices` (ACTION, WHAT), described
// as "a | b | c".
CLI::Option* add_choice(CLI::App& sub, const std::string& name, std::string& into, const std::vector<std::string>& choices);

// Who acts in a command that changes something for a person.
struct ActorOptions {
  std::string by;
  bool password_stdin = false;      // the password: first line of standard input
  bool new_password_stdin = false;  // an issued password's replacement: second line
  bool maintenance = false;         // the data directory's OS owner, as "bảo trì (máy chủ) — <user>"
};

// --by, --password-stdin, --new-password-stdin and --maintenance; `who`
// says whose username --by takes ("the HT (or ADMIN)").
void add_actor_options(CLI::App& sub, ActorOptions& actor, const std::string& who);

// The acting identity, proven before anything changes: --by's username
// when its password (read now from standard input) is right, through the
// same check, lockout and audit as a device login (password_gate.hpp); the
// maintenance identity when --maintenance is given by the OS user who owns
// `dir`. Otherwise the refusal (Vietnamese), and nothing may change.
// `command` names the action in the audit trail ("lock set").
Result<std::string> authenticate(store::Db& db, const std::string& dir, const ActorOptions& actor,
                                 const std::string& command);

// The server database of the data directory `dir`; throws if there is none.
std::unique_ptr<store::Db> open_existing(const std::string& dir);

// A class, subject or student code as a person typed it ("6a", "toán",
// "hs6a01", a decomposed "Toán") → the name the school stores, when exactly
// one matches (match_key: NFC and case-folded): classes of the current year,
// the school's subjects and "Chủ nhiệm", students by code. Anything else is
// left as typed, so the command's own refusal names it. "" stays "".
void canonical_class(store::Db& db, std::string& typed);
void canonical_subject(store::Db& db, std::string& typed);
void canonical_student(store::Db& db, std::string& typed);

// Prints the refusal; exit code 3 when forbidden or unauthenticated, else 2.
int fail_status(const Status& st);

// "", "now", or a day as people type it (typed_local_time: dd/mm/yyyy or
// yyyy-mm-dd, a time hh:mm after it if wanted; Vietnam time) as unix seconds;
// nullopt (after saying so on stderr, naming option `name`) when malformed.
std::optional<std::int64_t> time_arg(const std::string& text, const char* name);

}  // namespace sodiem::server::cli
