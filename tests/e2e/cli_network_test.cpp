// The client's network failures in the teacher's words (network_words.cpp;
// its table alone: unit/network_words_test.cpp), through the real `sodiem`
// binary: a server that is not listening (sync and enroll), a connection cut
// during the handshake, a port that answers plain HTTP and a server name the
// network does not know say what happened and what to check in Vietnamese,
// never the system's English text; the mark waits safely. Part of cli_tests.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <thread>

#include "process.hpp"
#include "loopback_listener.hpp"
#include "test_school.hpp"

using namespace sodiem::testing;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;
const std::string kClient = SODIEM_CLIENT_BIN;

CommandResult client(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), kClient);
  return run_command(args, input);
}

// English words the system's messages ("Connection refused", "Connection
// reset by peer", "stream truncated") would bring.
void no_english(const std::string& err) {
  for (const char* word : {"Connection", "refused", "reset by", "truncated", "Broken pipe", "End of file", "SSL",
                           "version number", "not known", "resolution"}) {
    INFO(word);
    CHECK(err.find(word) == std::string::npos);
  }
}

// A TCP port that accepts one connection and hands it to `serve`.
struct OneShotPort {
  int fd = -1;
  int port = 0;
  std::thread thread;
  explicit OneShotPort(std::function<void(int)> serve) {
    const LoopbackListener l = listen_on_loopback();
    fd = l.fd;
    port = l.port;
    timeval wait{30, 0};  // accept gives up after 30 s if nobody comes
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    thread = std::thread([this, serve = std::move(serve)] {
      const int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) return;
      serve(c);
      ::close(c);
    });
  }
  ~OneShotPort() {
    ::shutdown(fd, SHUT_RDWR);
    thread.join();
    ::close(fd);
  }
};

// Resets the connection at once (SO_LINGER 0): cut in the middle of the TLS handshake.
void reset_at_once(int c) {
  linger hard{1, 0};
  ::setsockopt(c, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

// Answers like a plain web server: whatever comes, an HTTP error page.
void answer_http(int c) {
  char buf[4096];
  timeval wait{5, 0};
  ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  (void)::recv(c, buf, sizeof buf, 0);
  const std::string page =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\nConnection: close\r\n\r\n"
      "Bad Request";
  (void)::send(c, page.data(), page.size(), MSG_NOSIGNAL);
  ::shutdown(c, SHUT_WR);
  (void)::recv(c, buf, sizeof buf, 0);
}

}  // namespace

TEST_CASE("a server that is not listening, or a cut connection: said in Vietnamese with what to check", "[e2e]") {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  auto server = std::make_unique<ServerProcess>(kServer, demo.dir);
  const std::string url = server->url();
  // gv.toan.2 enrolling a new device in `data` through `at`.
  const auto enroll_second = [&](const std::string& data, const std::string& at) {
    return client({"enroll", "--data", data, "--server", at, "--user", "gv.toan.2", "--password-stdin", "--fingerprint",
                   demo.fingerprint},
                  demo.password_of("gv.toan.2") + "\n");
  };
  const std::string dir = tmp / "client";
  auto enrolled = client({"enroll", "--data", dir, "--server", url, "--user", "gv.toan.1", "--password-stdin",
                          "--fingerprint", demo.fingerprint},
                         demo.password_of("gv.toan.1") + "\n");
  INFO(enrolled.err);
  REQUIRE(enrolled.exit_code == 0);
  REQUIRE(client({"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.TX1", "8"}).exit_code == 0);
  REQUIRE(server->stop() == 0);
  server.reset();

  // Nobody listens on the school's port any more: refused.
  const auto sync = client({"sync", "--data", dir});
  INFO(sync.err);
  CHECK(sync.exit_code != 0);
  CHECK_THAT(sync.err, Catch::Contains("máy chủ từ chối kết nối") && Catch::Contains("số cổng") &&
                           Catch::Contains("có đang chạy không") && Catch::Contains("còn 1 thao tác chờ gửi"));
  no_english(sync.err);
  const auto enroll = enroll_second(tmp / "other", url);
  INFO(enroll.err);
  CHECK(enroll.exit_code != 0);
  CHECK_THAT(enroll.err, Catch::Contains("máy chủ từ chối kết nối"));
  no_english(enroll.err);

  // A connection reset during the TLS handshake.
  OneShotPort cut(reset_at_once);
  const auto reset = enroll_second(tmp / "third", "wss://127.0.0.1:" + std::to_string(cut.port));
  INFO(reset.err);
  CHECK(reset.exit_code != 0);
  CHECK_THAT(reset.err, Catch::Contains("kết nối bị ngắt giữa chừng") && Catch::Contains("thử lại"));
  no_english(reset.err);

  // A port where something else answers (a web server): not a Sổ điểm server.
  OneShotPort web(answer_http);
  const auto http = enroll_second(tmp / "fourth", "wss://127.0.0.1:" + std::to_string(web.port));
  INFO(http.err);
  CHECK(http.exit_code != 0);
  CHECK_THAT(http.err, Catch::Contains("không phải máy chủ Sổ điểm") && Catch::Contains("số cổng"));
  no_english(http.err);

  // A server name nobody knows (.invalid never resolves): the name, or no answer at all without a network.
  const auto unknown = enroll_second(tmp / "fifth", "wss://sodiem-khong-co.invalid:8443");
  INFO(unknown.err);
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.err, Catch::Contains("tên máy chủ này không có trên mạng") ||
                              (Catch::Contains("không hỏi được tên máy chủ") && Catch::Contains("Wi-Fi")));
  CHECK_THAT(unknown.err, !Catch::Contains("tên máy này"));
  no_english(unknown.err);
}
