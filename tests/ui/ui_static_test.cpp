// The ui's page files as answers (static_file): the entry page points at
// this build's versioned files, which are cached for good; everything else,
// the entry page included, is never cached.
#include <catch2/catch.hpp>
#include <regex>

#include "ui_guard.hpp"
#include "ui_http.hpp"

using namespace sodiem::client::ui;

namespace {
UiRequest get(const std::string& path) {
  UiRequest r;
  r.method = "GET";
  r.target = path;
  r.path = path;
  return r;
}
std::string cache_of(UiResponse res) {
  add_security_headers(res);
  std::string out;
  for (const auto& [k, v] : res.headers)
    if (k == "Cache-Control") out += (out.empty() ? "" : " | ") + v;
  return out;
}
}  // namespace

TEST_CASE("the entry page names this build's versioned files, which are cached for good", "[ui]") {
  const auto index = static_file(get("/"));
  REQUIRE(index.status == 200);
  CHECK(cache_of(index) == "no-store");
  std::smatch m;
  const std::regex app(R"re(src="(/v/[0-9a-f]{16}/)app\.js")re");
  REQUIRE(std::regex_search(index.body, m, app));
  const std::string prefix = m[1];
  CHECK(index.body.find("href=\"" + prefix + "app.css\"") != std::string::npos);
  CHECK(index.body.find("src=\"/app.js\"") == std::string::npos);
  // The screens' own links are left alone.
  CHECK(index.body.find("href=\"/\"") != std::string::npos);
  CHECK(index.body.find("href=\"/?view=inbox\"") != std::string::npos);

  const auto versioned = static_file(get(prefix + "grid.js"));
  REQUIRE(versioned.status == 200);
  CHECK(versioned.content_type.rfind("text/javascript", 0) == 0);
  CHECK(cache_of(versioned) == "private, max-age=31536000, immutable");
  CHECK(versioned.body == static_file(get("/grid.js")).body);

  // Plain paths still answer, never cached; another build's prefix, the
  // entry page under the prefix and unknown files are not found.
  CHECK(cache_of(static_file(get("/grid.js"))) == "no-store");
  CHECK(static_file(get("/v/0000000000000000/grid.js")).status == 404);
  CHECK(static_file(get(prefix + "index.html")).status == 404);
  CHECK(static_file(get(prefix + "nothing.js")).status == 404);
  CHECK(static_file(get(prefix + "../ui_http.cpp")).status == 404);
  auto post = get(prefix + "grid.js");
  post.method = "POST";
  CHECK(static_file(post).status == 405);
}
