// TLS helpers over OpenSSL: the school server's self-signed certificate and
// the SHA-256 fingerprint a client pins at enrollment. Thread-safe.
#pragma once
#include <string>

struct ssl_st;

namespace sodiem::net {

// Creates an EC P-256 key (mode 0600) and a self-signed certificate valid
// for 10 years for `common_name`, localhost and 127.0.0.1.
void make_self_signed_certificate(const std::string& cert_path, const std::string& key_path,
                                  const std::string& common_name);

// SHA-256 over the certificate's DER encoding, lowercase hex.
std::string fingerprint_of_pem_file(const std::string& cert_path);
// Same, of the peer certificate of an established TLS connection ("" if none).
std::string peer_fingerprint(ssl_st* ssl);

// Normalises a user-typed fingerprint: drops ':' and spaces, lowercases.
std::string normalize_fingerprint(const std::string& text);

}  // namespace sodiem::net
