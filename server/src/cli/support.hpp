// What the sodiem-server command handlers (server/src/cli/*.cpp) share:
// binding a handler to its subcommand, opening an existing data directory,
// reporting a refusal with its exit code, reading a time argument. Only the
// files of server/src/cli/ include this.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::server::cli {

// Options for `sub`, filled in by parsing; when `sub` is the command given,
// ctx.command runs `handler` on them.
template <class Options>
std::shared_ptr<Options> command_options(CLI::App& sub, Context& ctx, int (*handler)(const Options&)) {
  auto options = std::make_shared<Options>();
  sub.callback([&ctx, options, handler] { ctx.command = [options, handler] { return handler(*options); }; });
  return options;
}

// The server database of the data directory `dir`; throws if there is none.
std::unique_ptr<sqlite::Db> open_existing(const std::string& dir);

// Prints the refusal; exit code 3 when forbidden or unauthenticated, else 2.
int fail_status(const Status& st);

// "", "now", YYYY-MM-DD or YYYY-MM-DDTHH:MM (Vietnam time) as unix seconds;
// nullopt (after saying so on stderr, naming option `name`) when malformed.
std::optional<std::int64_t> time_arg(const std::string& text, const char* name);

}  // namespace sodiem::server::cli
