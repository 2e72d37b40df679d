// network_words (client/src/network_words.cpp), the one table from a network
// error to the teacher's words, called with the codes each layer really
// gives. The resolver's: getaddrinfo's EAI_* as asio's resolver hands them
// on (translate_addrinfo_error: EAI_AGAIN, with no network or no name server
// answering, as host_not_found_try_again; EAI_FAIL as no_recovery; EAI_NONAME
// and EAI_NODATA as host_not_found); a test machine cannot make EAI_AGAIN
// happen, so the mapping is checked here. Then connect's, the stream's and
// TLS's. cli_network_test makes the common ones happen through the real
// binary. Part of cli_tests.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "network_words.hpp"

using sodiem::client::network_words;
namespace err = boost::asio::error;

namespace {

// A TLS-layer error with OpenSSL's reason `reason`, as the TLS handshake reports it.
boost::system::error_code tls_error(int reason) {
  return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)), boost::asio::error::get_ssl_category()};
}

const std::string kNoDns = "không hỏi được tên máy chủ trên mạng";
const std::string kUnknownName = "tên máy chủ này không có trên mạng";

}  // namespace

TEST_CASE("network words: the resolver's codes, EAI_AGAIN (no network, no name server) apart from an unknown name",
          "[network][unit]") {
  // EAI_AGAIN is what Linux answers with no network at all: the name was not
  // asked, not found missing; the words say to check this machine's network.
  const auto again = network_words(err::host_not_found_try_again);
  CHECK_THAT(again, Catch::StartsWith(kNoDns));
  CHECK_THAT(again, Catch::Contains("Wi-Fi hoặc dây mạng"));
  CHECK_THAT(again, !Catch::Contains(kUnknownName));
  // EAI_FAIL: the name server failed; the same words (nothing about the name typed).
  CHECK(network_words(err::no_recovery) == again);
  // EAI_NONAME, EAI_NODATA: the name does not exist.
  const auto unknown = network_words(err::host_not_found);
  CHECK_THAT(unknown, Catch::StartsWith(kUnknownName));
  CHECK_THAT(unknown, Catch::Contains("địa chỉ nhà trường đưa"));
  CHECK(unknown != again);
  // asio's own netdb code for a name with no address.
  CHECK_THAT(network_words(err::no_data), Catch::StartsWith(kUnknownName));
}

TEST_CASE("network words: connect, stream and TLS failures each say what to check", "[network][unit]") {
  const auto refused = network_words(err::connection_refused);
  CHECK_THAT(refused, Catch::StartsWith("máy chủ từ chối kết nối"));
  for (auto ec : {err::host_unreachable, err::network_unreachable, err::network_down}) {
    INFO(boost::system::error_code(ec).message());
    CHECK_THAT(network_words(ec), Catch::StartsWith("không có đường mạng tới máy chủ"));
  }
  CHECK_THAT(network_words(err::timed_out), Catch::StartsWith("máy chủ không trả lời (hết thời gian chờ)"));
  CHECK(network_words(boost::beast::error::timeout) == network_words(err::timed_out));
  for (boost::system::error_code ec : {boost::system::error_code(err::connection_reset),
                                       boost::system::error_code(err::connection_aborted),
                                       boost::system::error_code(err::broken_pipe),
                                       boost::system::error_code(err::eof),
                                       boost::system::error_code(boost::asio::ssl::error::stream_truncated)}) {
    INFO(ec.message());
    CHECK_THAT(network_words(ec), Catch::StartsWith("kết nối bị ngắt giữa chừng"));
  }
  // A port that answers without TLS (a web server): not a Sổ điểm server.
  for (int reason : {SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_HTTP_REQUEST}) {
    INFO("SSL reason " << reason);
    CHECK(sodiem::client::not_tls_peer(tls_error(reason)));
    CHECK_THAT(network_words(tls_error(reason)), Catch::StartsWith("địa chỉ/cổng này không phải máy chủ Sổ điểm"));
  }
  // Another TLS failure is no "not a Sổ điểm server"; anything unmapped as the system says it.
  CHECK_FALSE(sodiem::client::not_tls_peer(tls_error(SSL_R_CERTIFICATE_VERIFY_FAILED)));
  const boost::system::error_code other(err::no_buffer_space);
  CHECK(network_words(other) == other.message());
}
