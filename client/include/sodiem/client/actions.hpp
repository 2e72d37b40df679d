// Client actions that take more than one store call: creating the signing
// key and signing a confirmation step. One implementation for the CLI
// (commands.cpp) and the browser (ui/ui_api.cpp); each is given the way to
// sync (the CLI syncs in place, the ui through its sync agent). Same thread
// as the LocalStore they are given.
#pragma once
#include <functional>
#include <string>

#include "sodiem/client/local_store.hpp"

namespace sodiem::client {

// Syncs the store with the server; the failure's Status otherwise.
using SyncNow = std::function<Status()>;

// Enrolls this device (see enroll() in sync_engine.hpp) with the server at
// `server` (wss://HOST:PORT), pinning `fingerprint` (hex, any separators; ""
// trusts the certificate seen). A failed enrollment leaves nothing behind.
Status enroll_device(LocalStore& store, const std::string& server, const std::string& fingerprint,
                     const std::string& user, const std::string& password, const std::string& device_name,
                     const std::string& new_password);

std::string signing_key_path(const std::string& dir);
bool has_signing_key(const std::string& dir);

struct KeyCreated {
  std::string public_key;
  std::uint64_t seq = 0;  // the registration op
};
// Creates this device's Ed25519 key under `passphrase` and queues the
// registration of its public key (sent at the next sync).
Result<KeyCreated> create_signing_key(LocalStore& store, const std::string& dir, const std::string& passphrase);

struct Signed {
  std::string digest;   // of the signed document
  std::string message;  // the server's answer
};
// Signs a confirmation step (subject | class | review | approve) of a class
// and term (subject step: `subject` names it): syncs, builds the document
// from what the server holds, signs it with the key, sends the signature and
// returns the server's answer. kUnavailable when the server cannot be
// reached (before signing, or with the signature queued for the next sync).
Result<Signed> sign_step(LocalStore& store, const std::string& dir, const std::string& step,
                         const std::string& class_name, const std::string& term, const std::string& subject,
                         const std::string& passphrase, const SyncNow& sync);

}  // namespace sodiem::client
