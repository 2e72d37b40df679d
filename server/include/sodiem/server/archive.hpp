// The year-end archive of a class (issue 17): a folder that proves itself
// years later without the server's database — the approved records with
// every signature (export_signed), their PDFs (grade books, boards,
// transcripts), the segment of the audit chain that covers the class's
// year (from the first entry on or after the day its records could begin
// to the moment of archiving; the hash before it in the manifest), and a
// manifest of every file's SHA-256 signed with the server's audit key.
// verify_archive() checks it all offline. Called by the CLI.
#pragma once
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// Writes the archive of `class_name` for its approved terms (term "" = every
// approved term; refused when none is) into `out_dir`, which must not exist.
[[nodiscard]] Status write_archive(store::Db& db, const std::string& data_dir, const std::string& class_name,
                                   const std::string& term, const std::string& out_dir, std::string& summary);

// Checks an archive folder: the manifest's signature, every file's hash and
// no file besides them, every signature of the records, and the audit chain
// segment unbroken from the anchor the manifest names to its head. Ok with a Vietnamese summary, or
// the first problem found.
[[nodiscard]] Status verify_archive(const std::string& dir, std::string& summary);

}  // namespace sodiem::server
