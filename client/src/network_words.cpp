// The client's network failures in the teacher's words (see network_words.hpp).
#include "network_words.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

namespace sodiem::client {

// The TLS layer's answer when the peer does not speak TLS at all (a plain
// HTTP server, another service on that port): its first bytes are no TLS record.
bool not_tls_peer(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return false;
  switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
#ifdef SSL_R_RECORD_LAYER_FAILURE  // OpenSSL 3.2 and later
    case SSL_R_RECORD_LAYER_FAILURE:
#endif
      return true;
    default:
      return false;
  }
}

std::string network_words(const boost::system::error_code& ec) {
  namespace err = boost::asio::error;
  if (ec == err::connection_refused)
    return "máy chủ từ chối kết nối (không có máy chủ Sổ điểm nào chạy ở cổng này): hãy kiểm tra số cổng trong "
           "địa chỉ nhà trường đưa, và hỏi người quản trị xem máy chủ của trường có đang chạy không";
  if (ec == err::host_unreachable || ec == err::network_unreachable || ec == err::network_down)
    return "không có đường mạng tới máy chủ: hãy kiểm tra máy này đã nối mạng chưa (Wi-Fi hoặc dây mạng), "
           "rồi thử lại";
  if (ec == err::timed_out || ec == boost::beast::error::timeout)
    return "máy chủ không trả lời (hết thời gian chờ): hãy kiểm tra kết nối mạng của máy này và địa chỉ máy chủ; "
           "mạng chậm hoặc tường lửa chặn cổng cũng gây ra việc này, hãy thử lại sau";
  if (ec == err::connection_reset || ec == err::connection_aborted || ec == err::broken_pipe || ec == err::eof ||
      ec == boost::asio::ssl::error::stream_truncated)
    return "kết nối bị ngắt giữa chừng (mạng chập chờn, hoặc máy chủ vừa khởi động lại): hãy kiểm tra mạng rồi "
           "thử lại sau ít phút";
  // EAI_AGAIN: no answer about the name at all, what Linux says with no
  // network; EAI_FAIL: the name server failed to answer (the resolver's own
  // translation, asio's translate_addrinfo_error).
  if (ec == err::host_not_found_try_again || ec == err::no_recovery)
    return "không hỏi được tên máy chủ trên mạng (máy này chưa có mạng, hoặc máy chủ tên miền không trả lời): "
           "hãy kiểm tra Wi-Fi hoặc dây mạng của máy này, rồi thử lại";
  if (ec == err::host_not_found || ec == err::no_data)
    return "tên máy chủ này không có trên mạng: hãy kiểm tra tên máy chủ trong địa chỉ nhà trường đưa, và mạng "
           "của máy này";
  if (not_tls_peer(ec))
    return "địa chỉ/cổng này không phải máy chủ Sổ điểm (máy ở đó trả lời theo cách khác, có thể là một trang web "
           "hoặc dịch vụ khác): hãy kiểm tra số cổng trong địa chỉ nhà trường đưa, dạng wss://TÊN_MÁY_CHỦ:CỔNG";
  return ec.message();
}

}  // namespace sodiem::client
