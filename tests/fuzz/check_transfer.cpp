// Fuzz check of the transfer packet reader (sodiem-server transfer in, see
// fuzz_checks.hpp): it never throws; a packet it accepts is within the
// limits, its texts in NFC, and its signature really verifies — so a
// mutated packet is accepted only if it still carries a valid signature.
#include <string>

#include "fuzz_checks.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/transfer_packet.hpp"

namespace sodiem::fuzz {

std::string check_transfer(std::string_view bytes) {
  const auto packet = server::read_transfer_packet(bytes);
  if (!packet) {
    if (packet.status().message().empty() || !to_nfc(packet.status().message())) return "a refusal is empty or not UTF-8";
    return {};
  }
  if (bytes.size() > server::kMaxTransferBytes) return "a packet over the size limit is accepted";
  if (packet->cells.size() > server::kMaxTransferCells) return "too many cells accepted";
  for (const std::string* s : {&packet->school, &packet->code, &packet->full_name, &packet->school_year})
    if (to_nfc(*s) != *s) return "an accepted text is not NFC";
  for (const auto& c : packet->cells)
    if (to_nfc(c.value) != c.value || to_nfc(c.subject) != c.subject) return "an accepted cell is not NFC";
  if (packet->public_key.size() != 64) return "accepted with a key that is not an Ed25519 public key";
  return {};
}

}  // namespace sodiem::fuzz
