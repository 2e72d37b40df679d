// Small crypto helpers over OpenSSL: random tokens, SHA-256, password hashes.
// Stateless; thread-safe. Password hashing is slow on purpose (~0.2 s): a
// server calls it off its DB worker (see server KdfPool).
#pragma once
#include <string>
#include <string_view>

namespace sodiem::crypto {

std::string random_hex(std::size_t bytes);
std::string sha256_hex(std::string_view data);
// PBKDF2-HMAC-SHA256 with a random salt and tuning::kPasswordHashIterations:
// "pbkdf2$ITER$SALT$HASH".
std::string hash_password(std::string_view password);
// Checks against a stored hash with the iteration count it carries. A
// malformed hash, or one with an absurd count, never matches.
bool verify_password(std::string_view password, std::string_view stored);
// The stored hash uses fewer iterations than new hashes do (or cannot be
// read): replace it at the next successful login.
bool needs_rehash(std::string_view stored);
// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sodiem::crypto
