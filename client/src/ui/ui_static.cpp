// The ui's page files as HTTP answers (see static_file in ui_http.hpp).
// Called by ui_http.cpp for every admitted request outside /api/.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "ui_guard.hpp"
#include "ui_http.hpp"

namespace sodiem::client::ui {

namespace {

constexpr std::string_view kIndex = "/index.html";

struct Versioned {
  std::string prefix;      // "/v/0123456789abcdef/"
  std::string index_html;  // index.html pointing at prefix
};

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

const Versioned& versioned() {
  static const Versioned v = [] {
    // FNV-1a over every file's path and bytes: a new build with any file
    // changed gets a new prefix, so no browser keeps a stale module.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const unsigned char* p, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    for (const UiAsset* a = ui_assets(); a->path; ++a) {
      mix(reinterpret_cast<const unsigned char*>(a->path), std::string_view(a->path).size() + 1);
      mix(a->data, a->size);
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    Versioned out;
    out.prefix = std::string("/v/") + hex + "/";
    if (const UiAsset* index = find_ui_asset(kIndex)) {
      out.index_html.assign(reinterpret_cast<const char*>(index->data), index->size);
      // Only attribute values naming a page file ("/app.js"), never the
      // screens' own links ("/", "/?view=inbox").
      for (const UiAsset* a = ui_assets(); a->path; ++a) {
        if (kIndex == a->path) continue;
        replace_all(out.index_html, "=\"" + std::string(a->path) + "\"",
                    "=\"" + out.prefix + std::string(a->path).substr(1) + "\"");
      }
    }
    return out;
  }();
  return v;
}

UiResponse asset_answer(const UiAsset& asset, bool immutable) {
  UiResponse res;
  res.content_type = asset.content_type;
  res.body.assign(reinterpret_cast<const char*>(asset.data), asset.size);
  if (immutable) res.headers.emplace_back("Cache-Control", "private, max-age=31536000, immutable");
  return res;
}

// A query component as the page's URLSearchParams writes it
// (application/x-www-form-urlencoded): the preload below must name the very
// URL early.js asks for, or the browser would fetch the grid twice.
std::string form_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto ch = static_cast<unsigned char>(c);
    if (std::isalnum(ch) || ch == '*' || ch == '-' || ch == '.' || ch == '_') {
      out += c;
    } else if (ch == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

}  // namespace

UiResponse static_file(const UiRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") return error_response(405, "METHOD", "thao tác không được hỗ trợ");
  const Versioned& v = versioned();
  if (req.path == "/" || req.path == kIndex) {
    UiResponse res;
    res.content_type = "text/html; charset=utf-8";
    res.body = v.index_html;
    // A grid's address (/?class=6A&subject=Toán): the browser asks for its
    // data as soon as it has this answer's headers, before any script of the
    // page runs (early.js then gets that answer).
    const auto cls = req.query.find("class"), subject = req.query.find("subject");
    if (cls != req.query.end() && subject != req.query.end() && !req.query.contains("view") && !cls->second.empty() &&
        !subject->second.empty())
      res.headers.emplace_back("Link", "</api/grid?class=" + form_encoded(cls->second) + "&subject=" +
                                           form_encoded(subject->second) + ">; rel=preload; as=fetch; crossorigin");
    return res;
  }
  // A versioned path names this build's file and never changes.
  if (req.path.rfind(v.prefix, 0) == 0) {
    if (const UiAsset* asset = find_ui_asset("/" + req.path.substr(v.prefix.size())))
      if (kIndex != asset->path) return asset_answer(*asset, true);
    return error_response(404, "NOT_FOUND", "không có trang này");
  }
  // Plain paths (/app.js) still answer, uncached: a page of another build
  // open across a restart, scripts, tests.
  if (const UiAsset* asset = find_ui_asset(req.path)) return asset_answer(*asset, false);
  return error_response(404, "NOT_FOUND", "không có trang này");
}

}  // namespace sodiem::client::ui
