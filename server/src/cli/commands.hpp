// The sodiem-server commands: each add_*_command registers one subcommand
// with its options (one struct per command) and its handler. Only the
// server's main.cpp calls these; the handlers live in the cli/*.cpp files,
// one file per family of commands.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace sodiem::server::cli {

// What the command line chose: the given subcommand's handler, bound to its
// parsed options. main() runs it after parsing; it returns the exit code.
struct Context {
  std::function<int()> command;
};

// init_run.cpp
void add_init_command(CLI::App& app, Context& ctx);
void add_run_command(CLI::App& app, Context& ctx);
// migrate_cmd.cpp
void add_migrate_command(CLI::App& app, Context& ctx);
// setup_cmds.cpp
void add_setup_command(CLI::App& app, Context& ctx);
void add_exempt_command(CLI::App& app, Context& ctx);
// class_cmds.cpp
void add_class_command(CLI::App& app, Context& ctx);
// year_cmds.cpp
void add_year_command(CLI::App& app, Context& ctx);
// outcomes_cmds.cpp
void add_outcomes_commands(CLI::App& app, Context& ctx);  // outcomes, retest, summer
// transfer_cmds.cpp
void add_transfer_command(CLI::App& app, Context& ctx);
// roster_cmds.cpp
void add_import_command(CLI::App& app, Context& ctx);
void add_export_command(CLI::App& app, Context& ctx);
// audit_cmds.cpp
void add_audit_command(CLI::App& app, Context& ctx);
void add_history_command(CLI::App& app, Context& ctx);
void add_backup_commands(CLI::App& app, Context& ctx);  // backup, restore
// locks_cmds.cpp
void add_lock_command(CLI::App& app, Context& ctx);
void add_exception_command(CLI::App& app, Context& ctx);
void add_grace_command(CLI::App& app, Context& ctx);
void add_term_command(CLI::App& app, Context& ctx);
// calendar_cmds.cpp
void add_calendar_command(CLI::App& app, Context& ctx);
// print_cmds.cpp
void add_print_command(CLI::App& app, Context& ctx);
void add_archive_commands(CLI::App& app, Context& ctx);  // archive, verify-archive
// corrections_cmds.cpp
void add_correction_command(CLI::App& app, Context& ctx);
void add_delegate_command(CLI::App& app, Context& ctx);
// accounts_cmds.cpp
void add_device_command(CLI::App& app, Context& ctx);
void add_account_command(CLI::App& app, Context& ctx);
// approvals_cmds.cpp
void add_unapprove_command(CLI::App& app, Context& ctx);
void add_verify_command(CLI::App& app, Context& ctx);
void add_progress_command(CLI::App& app, Context& ctx);

}  // namespace sodiem::server::cli
