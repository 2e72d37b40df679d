// The page's save channel (GET /api/ws, a WebSocket) of the real `sodiem ui`,
// driven by a Beast WebSocket client: a handshake without the token, with a
// wrong Host, from another Origin or without one is refused; a channel whose
// first message is not the right CSRF token is closed; and neither records
// anything. A save on the channel gets the same answers as POST /api/cells
// (the same handler behind it).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "ui_harness.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::ui_harness;
using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

struct Channel {
  asio::io_context ioc;
  websocket::stream<asio::ip::tcp::socket> ws{ioc};
  websocket::response_type handshake_answer;
  beast::error_code handshake_error;

  // Opens GET /api/ws with these header values ("" leaves one out).
  Channel(const Ui& ui, const std::string& host, const std::string& origin, bool with_token) {
    asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(ui.port));
    ws.next_layer().connect(at);
    timeval tv{10, 0};  // a test never hangs on a silent ui
    ::setsockopt(ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string cookie = with_token ? "sodiem_ui_" + std::to_string(ui.port) + "=" + ui.token : "";
    ws.set_option(websocket::stream_base::decorator([origin, cookie](websocket::request_type& req) {
      if (!origin.empty()) req.set(beast::http::field::origin, origin);
      if (!cookie.empty()) req.set(beast::http::field::cookie, cookie);
    }));
    ws.handshake(handshake_answer, host, "/api/ws", handshake_error);
  }
  int refused_with() const { return handshake_error ? static_cast<int>(handshake_answer.result_int()) : 101; }
  void send(const json& msg) { ws.write(asio::buffer(msg.dump())); }
  // The next message, or nullopt once the ui closed the channel.
  std::optional<json> next() {
    beast::flat_buffer buf;
    beast::error_code ec;
    ws.read(buf, ec);
    if (ec) return std::nullopt;
    return json::parse(beast::buffers_to_string(buf.data()));
  }
  // A POST on the channel: {"id", "status", "body", "ui_us"}.
  json post(std::uint64_t id, const std::string& path, const std::string& body) {
    send({{"id", id}, {"path", path}, {"body", body}});
    auto answer = next();
    REQUIRE(answer);
    CHECK((*answer)["id"] == id);
    return *answer;
  }
};

std::string own_origin(const Ui& ui) { return "http://" + ui.host; }

}  // namespace

TEST_CASE("ui channel: a handshake without the token, with a wrong Host, from another Origin or without one is refused",
          "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  const auto before = outbox_count(dir);
  CHECK(Channel(ui, ui.host, own_origin(ui), false).refused_with() == 401);
  CHECK(Channel(ui, "attacker.example:" + std::to_string(ui.port), own_origin(ui), true).refused_with() == 421);
  // Another web server on this machine is the same site: the browser sends the cookie along.
  CHECK(Channel(ui, ui.host, "http://127.0.0.1:" + std::to_string(ui.port + 1), true).refused_with() == 403);
  CHECK(Channel(ui, ui.host, "http://attacker.example", true).refused_with() == 403);
  CHECK(Channel(ui, ui.host, "", true).refused_with() == 403);
  CHECK(Channel(ui, ui.host, own_origin(ui), true).refused_with() == 101);
  CHECK(outbox_count(dir) == before);
  CHECK(::kill(ui.pid, 0) == 0);
}

TEST_CASE("ui channel: the first message must be the CSRF token, or the channel closes and nothing is recorded",
          "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  const auto before = outbox_count(dir);
  {
    Channel ch(ui, ui.host, own_origin(ui), true);
    REQUIRE(ch.refused_with() == 101);
    ch.send({{"id", 1}, {"path", "/api/cells"}, {"body", kEdit}});  // a save before the token
    CHECK_FALSE(ch.next());
  }
  {
    Channel ch(ui, ui.host, own_origin(ui), true);
    REQUIRE(ch.refused_with() == 101);
    ch.send({{"csrf", std::string(64, 'f')}});
    auto hello = ch.next();
    REQUIRE(hello);
    CHECK((*hello)["hello"] == false);
    CHECK((*hello)["status"] == 403);
    CHECK((*hello)["body"]["code"] == "CSRF");
    beast::error_code ec;
    ch.ws.write(asio::buffer(json{{"id", 2}, {"path", "/api/cells"}, {"body", kEdit}}.dump()), ec);
    CHECK_FALSE(ch.next());
  }
  {
    Channel ch(ui, ui.host, own_origin(ui), true);
    REQUIRE(ch.refused_with() == 101);
    ch.send({{"csrf", ui.csrf}});
    REQUIRE(ch.next() == json{{"hello", true}});
    ch.send({{"id", 3}, {"path", "/api/cells"}, {"body", json::parse(kEdit)}});  // the body must be JSON text
    CHECK_FALSE(ch.next());
  }
  CHECK(outbox_count(dir) == before);
  CHECK(cell_of(ui, "HS6A01", "HK1.TX1").value("value", "") == "");
}

TEST_CASE("ui channel: a save on the channel gets the answers of POST /api/cells and is recorded", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  Channel ch(ui, ui.host, own_origin(ui), true);
  REQUIRE(ch.refused_with() == 101);
  ch.send({{"csrf", ui.csrf}});
  REQUIRE(ch.next() == json{{"hello", true}});

  auto saved = ch.post(1, "/api/cells", kEdit);
  CHECK(saved["status"] == 200);
  CHECK(saved["ui_us"].get<std::int64_t>() >= 0);
  CHECK(saved["body"]["results"][0]["ok"] == true);
  CHECK(saved["body"]["results"][0]["value"] == "7.5");
  CHECK(saved["body"]["averages"].contains("HS6A01"));
  const auto cell = cell_of(ui, "HS6A01", "HK1.TX1");
  CHECK(cell["value"] == "7.5");
  CHECK(cell["state"] == "local");

  // Refusals: the same code and Vietnamese reason as over HTTP.
  for (const std::string body :
       {R"({"class":"6A","subject":"Toán","edits":[{"student":"HS6A02","column":"HK1.TX1","value":"11"}]})",
        R"({"class":"6A","subject":"Ngữ văn","edits":[{"student":"HS6A02","column":"HK1.TX1","value":"8"}]})",
        R"({"class":"6A","subject":"Toán","edits":[{"student":"HS6A02","column":"HK1.TX1","value":"8,25"}]})",
        R"({"class":"6A","subject":"Toán","edits":[]})"}) {
    INFO(body);
    auto by_channel = ch.post(2, "/api/cells", body);
    auto by_http = ui.post("/api/cells", body);
    CHECK(by_channel["status"] == by_http.status);
    auto a = by_channel["body"], b = by_http.data();
    if (a.contains("results")) {
      CHECK(a["results"][0]["ok"] == false);
      CHECK(a["results"] == b["results"]);
    } else {
      CHECK(a == b);
    }
  }
  CHECK(cell_of(ui, "HS6A02", "HK1.TX1").value("value", "") == "");
  CHECK(ch.post(3, "/api/none", "{}")["status"] == 404);
  CHECK(ch.post(4, "/app.js", "{}")["status"] == 404);  // only the API, never a page file
  CHECK(ch.post(5, "/api/cells", "[[[[[[[[[[[[1]]]]]]]]]]]]")["status"] == 400);  // the handler's depth bound
}
