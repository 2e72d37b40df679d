// UiGuard: the checks every request to `sodiem ui` passes (token, Host,
// CSRF, target) and the bounded decoders it relies on.
#include <catch2/catch.hpp>

#include "ui_guard.hpp"

using namespace sodiem::client::ui;

namespace {
const std::string kToken(64, 'a');
const std::string kCsrf(64, 'c');
const std::string kHost = "127.0.0.1:4711";

UiRequest get(const std::string& target) {
  UiRequest r;
  r.method = "GET";
  r.target = target;
  r.host = kHost;
  r.cookie = "other=1; sodiem_ui_4711=" + kToken;
  return r;
}
UiRequest post(const std::string& target) {
  auto r = get(target);
  r.method = "POST";
  r.csrf_header = kCsrf;
  r.content_type = "application/json";
  r.body = "{}";
  return r;
}
std::string header(const UiResponse& res, const std::string& name) {
  for (const auto& [k, v] : res.headers)
    if (k == name) return v;
  return {};
}
}  // namespace

TEST_CASE("the launch URL's token becomes an HttpOnly cookie and the deep link survives the redirect", "[ui]") {
  UiGuard guard(kToken, kCsrf, kHost);
  auto req = get("/?class=6A&token=" + kToken + "&subject=To%C3%A1n");
  req.cookie.clear();
  auto res = guard.admit(req);
  REQUIRE(res);
  CHECK(res->status == 303);
  CHECK(header(*res, "Location") == "/?class=6A&subject=To%C3%A1n");
  CHECK(header(*res, "Set-Cookie") == "sodiem_ui_4711=" + kToken + "; HttpOnly; SameSite=Strict; Path=/");

  auto wrong = get("/?token=" + std::string(64, 'b'));
  wrong.cookie.clear();
  auto refused = guard.admit(wrong);
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(header(*refused, "Set-Cookie").empty());
}

TEST_CASE("a request without the token, with another Host, or a POST without the CSRF token is refused", "[ui]") {
  UiGuard guard(kToken, kCsrf, kHost);
  auto fine = get("/api/grid?class=6A&subject=To%C3%A1n");
  CHECK_FALSE(guard.admit(fine));
  CHECK(fine.path == "/api/grid");
  CHECK(fine.query.at("subject") == "Toán");

  auto no_token = get("/api/session");
  no_token.cookie = "sodiem_ui_4711=";
  CHECK(guard.admit(no_token)->status == 401);
  auto short_token = get("/api/session");
  short_token.cookie = "sodiem_ui_4711=" + kToken.substr(1);
  CHECK(guard.admit(short_token)->status == 401);
  auto by_header = get("/api/session");
  by_header.cookie.clear();
  by_header.token_header = kToken;
  CHECK_FALSE(guard.admit(by_header));

  for (const std::string host : {"localhost:4711", "127.0.0.1:4712", "evil.example:4711", "", "127.0.0.1"}) {
    auto rebound = get("/api/session");
    rebound.host = host;
    INFO(host);
    CHECK(guard.admit(rebound)->status == 421);
  }

  auto ok_post = post("/api/cells");
  CHECK_FALSE(guard.admit(ok_post));
  auto no_csrf = post("/api/cells");
  no_csrf.csrf_header.clear();
  CHECK(guard.admit(no_csrf)->status == 403);
  auto wrong_csrf = post("/api/cells");
  wrong_csrf.csrf_header = kToken;  // the session token is not the CSRF token
  CHECK(guard.admit(wrong_csrf)->status == 403);
  auto form = post("/api/cells");
  form.content_type = "application/x-www-form-urlencoded";  // what a cross-site form could send
  CHECK(guard.admit(form)->status == 415);
  auto put = post("/api/cells");
  put.method = "PUT";
  CHECK(guard.admit(put)->status == 405);
}

TEST_CASE("malformed targets are refused before any handler sees them", "[ui]") {
  UiGuard guard(kToken, kCsrf, kHost);
  for (const std::string& target : std::vector<std::string>{"api/session", "/api/grid?class=%ZZ", "/api/grid?class=%C3", "/api/grid?class=%0A",
                                   "/%FF", "/api/grid?class=6A%", "//evil.example/?token=" + kToken, "/\\evil.example/", std::string("/") + std::string(5000, 'a')}) {
    auto req = get(target);
    INFO(target);
    auto res = guard.admit(req);
    REQUIRE(res);
    CHECK(res->status == 400);
  }
  std::string many = "/api/grid?";
  for (int i = 0; i < 40; ++i) many += "k" + std::to_string(i) + "=v&";
  auto req = get(many);
  CHECK(guard.admit(req)->status == 400);
}

TEST_CASE("percent-decoding and the JSON depth bound", "[ui]") {
  CHECK(decode_component("Ng%E1%BB%AF+v%C4%83n") == "Ngữ văn");
  CHECK_FALSE(decode_component("%"));
  CHECK_FALSE(decode_component("%4"));
  CHECK_FALSE(decode_component("%E1%BB"));  // a cut UTF-8 sequence
  CHECK_FALSE(decode_component("a%00b"));
  CHECK(json_depth_within(R"({"a":[1,{"b":"[[[[[[[[[["}]})", 3));
  CHECK_FALSE(json_depth_within(R"({"a":[1,{"b":[[]]}]})", 4));
  CHECK_FALSE(json_depth_within(std::string(100000, '['), 8));
  CHECK(json_depth_within(R"(["\"[[[[[[[[["])", 1));
}

TEST_CASE("every answer carries a CSP without inline script, nosniff and no-store", "[ui]") {
  UiResponse res;
  add_security_headers(res);
  CHECK(header(res, "Content-Security-Policy").find("script-src 'self';") != std::string::npos);
  CHECK(header(res, "Content-Security-Policy").find("unsafe-inline") == std::string::npos);
  CHECK(header(res, "X-Content-Type-Options") == "nosniff");
  CHECK(header(res, "Cache-Control") == "no-store");
  CHECK(header(res, "Access-Control-Allow-Origin").empty());
}

TEST_CASE("two uis on two ports use two cookies (the browser keeps one jar for 127.0.0.1)", "[ui]") {
  UiGuard a(kToken, kCsrf, "127.0.0.1:4711"), b(std::string(64, 'b'), kCsrf, "127.0.0.1:4712");
  auto launch_a = get("/?token=" + kToken), launch_b = get("/?token=" + std::string(64, 'b'));
  launch_a.host = "127.0.0.1:4711";
  launch_b.host = "127.0.0.1:4712";
  auto set_a = header(*a.admit(launch_a), "Set-Cookie"), set_b = header(*b.admit(launch_b), "Set-Cookie");
  const auto name = [](const std::string& c) { return c.substr(0, c.find('=')); };
  CHECK(name(set_a) != name(set_b));
  // The browser sends both; each ui finds its own.
  auto req = get("/api/status");
  req.cookie = set_b.substr(0, set_b.find(';')) + "; " + set_a.substr(0, set_a.find(';'));
  CHECK_FALSE(a.admit(req));
  req.host = "127.0.0.1:4712";
  CHECK_FALSE(b.admit(req));
}

TEST_CASE("a WebSocket handshake must come from the ui's own page (Origin), with the token and the exact Host", "[ui]") {
  UiGuard guard(kToken, kCsrf, kHost);
  auto upgrade = [](std::string origin) {
    auto r = get("/api/ws");
    r.upgrade = true;
    r.origin = std::move(origin);
    return r;
  };
  auto own = upgrade("http://" + kHost);
  CHECK_FALSE(guard.admit(own));
  for (const std::string origin : {"", "null", "http://127.0.0.1:4712", "http://localhost:4711", "https://127.0.0.1:4711",
                                   "http://evil.example"}) {
    auto r = upgrade(origin);
    auto res = guard.admit(r);
    INFO(origin);
    REQUIRE(res);
    CHECK(res->status == 403);
    CHECK(res->body.find("WRONG_ORIGIN") != std::string::npos);
  }
  auto no_token = upgrade("http://" + kHost);
  no_token.cookie.clear();
  REQUIRE(guard.admit(no_token));
  CHECK(guard.admit(no_token)->status == 401);
  auto rebound = upgrade("http://" + kHost);
  rebound.host = "evil.example:4711";
  REQUIRE(guard.admit(rebound));
  CHECK(guard.admit(rebound)->status == 421);
  // Origin is asked of handshakes only: a page's same-origin GET need not send it.
  auto plain = get("/api/status");
  CHECK_FALSE(guard.admit(plain));
}
