// The console's print buttons: the grade book of a class × subject × term,
// the class board and the students' transcripts as PDF downloads, made by
// the functions of `sodiem-server print` (handed in as c.printers) into a
// private scratch directory and sent whole. Reading only, so no CSRF token;
// the role comes first: the grade book for whoever may read it (as
// api_gradebook), the board and transcripts for whoever may read the whole
// class, homeroom cells included (the leadership, its homeroom teacher).
// Console thread only.
#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>

#include "console_impl.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kPrintOnly = "In hồ sơ chỉ dành cho Ban giám hiệu và tổ trưởng chuyên môn";
constexpr const char* kNoPrinter = "máy chủ này không có chức năng in hồ sơ";

std::string param(const Request& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

// RFC 5987 value: UTF-8, every byte outside the unreserved set %-encoded.
std::string percent_encoded(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

// The PDF `print` writes into `path`, as the answer (a download named
// `name`), or the refusal it returned.
template <typename Print>
Response pdf_of(const std::string& name, Print print) {
  ScratchDir scratch;
  const std::string path = scratch.file("record.pdf");
  if (auto st = print(path); !st) return status_response(st);
  std::ifstream in(path, std::ios::binary);
  Response res;
  res.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return error_response(500, "INTERNAL", "máy chủ không đọc lại được tệp PDF vừa in");
  res.content_type = "application/pdf";
  res.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"ho-so.pdf\"; filename*=UTF-8''" + percent_encoded(name));
  return res;
}

// The class of ?class= into `cls`; or the refusal: unknown (404), or not
// all of it readable by the user (403).
std::optional<Response> whole_class(Console::Impl& c, const Actor& a, const Request& req, const ClassRow*& cls) {
  cls = c.directory().class_by_name(param(req, "class"));
  if (!cls) return error_response(404, "NOT_FOUND", "không có lớp này");
  if (!a.user.may_read(cls->id, kHomeroomSubjectId))
    return error_response(403, "FORBIDDEN", "bạn không được xem toàn bộ hồ sơ lớp " + cls->name);
  return std::nullopt;
}

}  // namespace

Response api_print_gradebook(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_progress(a.user)) return error_response(403, "FORBIDDEN", kPrintOnly);
  if (!c.printers.gradebook) return error_response(501, "UNAVAILABLE", kNoPrinter);
  const Directory& dir = c.directory();
  const ClassRow* cls = dir.class_by_name(param(req, "class"));
  const SubjectRow* subject = dir.subject_by_name(param(req, "subject"));
  if (!cls || !subject) return error_response(404, "NOT_FOUND", "không có lớp hoặc môn này");
  if (!a.user.may_read(cls->id, subject->id))
    return error_response(403, "FORBIDDEN", "bạn không được xem sổ điểm môn " + subject->info.name + " lớp " + cls->name);
  const std::string term = param(req, "term").empty() ? "HK1" : param(req, "term");
  const std::string name = "so-theo-doi-" + cls->name + "-" + subject->info.name + "-" + term + ".pdf";
  return pdf_of(name, [&](const std::string& path) {
    return c.printers.gradebook(*c.db, cls->name, subject->info.name, term, path);
  });
}

Response api_print_board(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_progress(a.user)) return error_response(403, "FORBIDDEN", kPrintOnly);
  if (!c.printers.board) return error_response(501, "UNAVAILABLE", kNoPrinter);
  const ClassRow* cls = nullptr;
  if (auto refusal = whole_class(c, a, req, cls)) return std::move(*refusal);
  const std::string term = param(req, "term").empty() ? "HK1" : param(req, "term");
  const std::string name = "bang-tong-hop-" + cls->name + "-" + term + ".pdf";
  return pdf_of(name, [&](const std::string& path) { return c.printers.board(*c.db, cls->name, term, path); });
}

Response api_print_transcript(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_progress(a.user)) return error_response(403, "FORBIDDEN", kPrintOnly);
  if (!c.printers.transcript) return error_response(501, "UNAVAILABLE", kNoPrinter);
  const ClassRow* cls = nullptr;
  if (auto refusal = whole_class(c, a, req, cls)) return std::move(*refusal);
  const std::string student = param(req, "student");
  const std::string name = "hoc-ba-" + cls->name + (student.empty() ? "" : "-" + student) + ".pdf";
  return pdf_of(name, [&](const std::string& path) { return c.printers.transcript(*c.db, cls->name, student, path); });
}

}  // namespace sodiem::server::console
