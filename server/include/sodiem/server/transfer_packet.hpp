// A transfer packet (transfer.hpp) read without trusting it: at most
// kMaxTransferBytes, nested at most 6 deep, every text well-formed UTF-8
// without control characters and within the protocol's lengths (stored in
// NFC), at most 5,000 cells, and the Ed25519 signature over the packet
// without its "signature" checked against the key it names. Pure and
// thread-safe; never throws. Used by transfer_in and the transfer fuzz target.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/status.hpp"

namespace sodiem::server {

inline constexpr std::size_t kMaxTransferBytes = 1 << 20;
inline constexpr std::size_t kMaxTransferCells = 5000;

struct TransferCell {
  std::string subject, column, value;  // subject "Chủ nhiệm" for homeroom cells
};

struct TransferPacket {
  std::string school, school_year, to;
  std::string code, full_name, birth_date, gender, class_name;  // birth_date "DD/MM/YYYY" or ""
  std::vector<TransferCell> cells;
  std::string public_key;  // hex, the sending server's audit key
};

inline constexpr const char* kTransferFormat = "sodiem-transfer/1";

// The packet in `text`, its signature checked; or why not (Vietnamese).
Result<TransferPacket> read_transfer_packet(std::string_view text);

// The bytes a packet's signature covers: the packet (JSON text, well-formed)
// without its "signature", in nlohmann's compact form. The sender signs
// these, the receiver checks them.
std::string transfer_signed_bytes(std::string_view packet_json);

}  // namespace sodiem::server
