// sodiem-server: the school server. Thin: parses arguments, builds objects, runs.
// Each command (options and handler) lives in cli/, one file per family.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "sodiem/cli/vietnamese.hpp"
#include "sodiem/core/file_guard.hpp"

using namespace sodiem::server::cli;

int main(int argc, char** argv) {
  sodiem::restrict_new_files();  // server.db holds password hashes and every mark: this user's alone
  if (auto problem = sodiem::argument_problem(argc, argv)) {
    std::cerr << "sodiem-server: " << *problem << "\n";
    return 2;
  }
  CLI::App app{"sodiem-server — máy chủ sổ điểm của trường"};
  app.require_subcommand(1);
  Context ctx;
  // In this order: it is the order `--help` lists them in.
  add_init_command(app, ctx);
  add_run_command(app, ctx);
  add_migrate_command(app, ctx);
  add_setup_command(app, ctx);
  add_exempt_command(app, ctx);
  add_class_command(app, ctx);
  add_year_command(app, ctx);
  add_outcomes_commands(app, ctx);
  add_transfer_command(app, ctx);
  add_import_command(app, ctx);
  add_export_command(app, ctx);
  add_audit_command(app, ctx);
  add_history_command(app, ctx);
  add_lock_command(app, ctx);
  add_exception_command(app, ctx);
  add_correction_command(app, ctx);
  add_backup_commands(app, ctx);
  add_delegate_command(app, ctx);
  add_grace_command(app, ctx);
  add_device_command(app, ctx);
  add_account_command(app, ctx);
  add_unapprove_command(app, ctx);
  add_term_command(app, ctx);
  add_calendar_command(app, ctx);
  add_print_command(app, ctx);
  add_archive_commands(app, ctx);
  add_verify_command(app, ctx);
  add_progress_command(app, ctx);

  sodiem::cli::vietnamize(app, "sodiem-server");  // after every subcommand: help and errors in Vietnamese
  if (const auto code = sodiem::cli::parse(app, argc, argv)) return *code;
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  try {
    return ctx.command ? ctx.command() : 0;
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: " << e.what() << "\n";
    return 1;
  }
}
