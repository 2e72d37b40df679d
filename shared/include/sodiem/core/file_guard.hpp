// What each program does at the start of main, and whenever it opens its
// data directory: files it creates are its user's alone, data it already has
// is made so, and command-line arguments are checked text. Called by the two
// main()s, LocalStore and the server's database opener.
#pragma once
#include <optional>
#include <string>

namespace sodiem {

// umask 077: every file and directory created from now on is 0600 / 0700.
void restrict_new_files();

// Makes `dir` (created if missing) 0700 and every regular file directly in
// it 0600: databases, their WAL and shared-memory files, keys, tokens.
// Installations from before this rule had 0755 and 0644.
void restrict_data_dir(const std::string& dir);

// A Vietnamese message naming the first argument that is not valid UTF-8 or
// holds a control character other than tab and line breaks; nullopt if all
// are fine.
std::optional<std::string> argument_problem(int argc, char** argv);

}  // namespace sodiem
