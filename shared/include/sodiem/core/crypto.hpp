// Small crypto helpers over OpenSSL: random tokens, SHA-256, password hashes.
// Stateless; thread-safe.
#pragma once
#include <string>
#include <string_view>

namespace sodiem::crypto {

std::string random_hex(std::size_t bytes);
std::string sha256_hex(std::string_view data);
// PBKDF2-HMAC-SHA256 with a random salt: "pbkdf2$ITER$SALT$HASH".
std::string hash_password(std::string_view password);
bool verify_password(std::string_view password, std::string_view stored);
// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace sodiem::crypto
