// The ui's page files as answers (static_file): the entry page points at
// this build's versioned files, which are cached for good; everything else,
// the entry page included, is never cached.
#include <catch2/catch.hpp>
#include <map>
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

TEST_CASE("a grid's address preloads the grid's data under the URL the page asks for", "[ui]") {
  auto with_query = [](std::map<std::string, std::string> query) {
    auto r = get("/");
    r.query = std::move(query);
    return static_file(r);
  };
  auto link_of = [](const UiResponse& res) {
    std::string out;
    for (const auto& [k, v] : res.headers)
      if (k == "Link") out += v;
    return out;
  };
  // As early.js writes it: new URLSearchParams({class, subject}).
  CHECK(link_of(with_query({{"class", "6A"}, {"subject", "Toán"}})) ==
        "</api/grid?class=6A&subject=To%C3%A1n>; rel=preload; as=fetch; crossorigin");
  CHECK(link_of(with_query({{"class", "7B"}, {"subject", "Ngữ văn"}})) ==
        "</api/grid?class=7B&subject=Ng%E1%BB%AF+v%C4%83n>; rel=preload; as=fetch; crossorigin");
  CHECK(link_of(with_query({{"class", "6A&x=<1>"}, {"subject", "a+b/c"}})) ==
        "</api/grid?class=6A%26x%3D%3C1%3E&subject=a%2Bb%2Fc>; rel=preload; as=fetch; crossorigin");
  // Other screens preload nothing.
  CHECK(link_of(with_query({})).empty());
  CHECK(link_of(with_query({{"class", "6A"}})).empty());
  CHECK(link_of(with_query({{"view", "inbox"}, {"class", "6A"}, {"subject", "Toán"}})).empty());
  CHECK(link_of(static_file(get("/app.js"))).empty());
}
