// The class board as `sodiem board` and the ui show it (board_report.hpp).
#include "sodiem/client/board_report.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "sodiem/core/mark.hpp"
#include "sodiem/core/summary_board.hpp"

namespace sodiem::client {

BoardReport board_report(LocalStore& store, const std::string& class_name, const std::string& term) {
  BoardReport out;
  out.class_name = class_name;
  out.term = term;
  const board::ClassBook book = store.class_book(class_name);
  out.missing = board::missing_cells(book, term);
  const std::string section = "Tổng hợp " + term;
  auto lines = board::summary_board(term == "HK1" ? "HK1" : "HK2", book);
  out.primary = board::primary_class(book);
  out.archived_year = store.archived_year();
  out.whole_class = store.sees_whole_class(class_name);
  if (!out.whole_class) {
    // Only the user's subjects: the others (and the homeroom's cells) never
    // reach this device, so neither their cells nor the results made of them
    // (learning level, conduct, promotion) are its to show or count missing.
    const auto own = store.own_subjects(class_name);
    const auto mine = [&](const std::string& subject) { return std::find(own.begin(), own.end(), subject) != own.end(); };
    for (const auto& s : book.subjects)
      if (mine(s.name)) out.subjects.push_back(s.name);
    std::erase_if(out.missing, [&](const board::MissingCell& m) { return !mine(m.subject); });
    std::erase_if(lines, [&](const signing::CellLine& l) { return l.subject == section && !mine(l.column); });
  }
  if (out.primary) out.totals = board::class_totals(lines, section);
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> results;
  for (auto& line : lines)
    if (line.subject == section) results[line.student].emplace_back(std::move(line.column), std::move(line.value));
  for (const auto& st : store.show(class_name, std::string(protocol::kHomeroomSubject)))
    out.students.push_back({st.code, st.name, std::move(results[st.code])});
  return out;
}

nlohmann::json board_json(const BoardReport& report) {
  using nlohmann::json;
  json missing = json::array(), students = json::array(), columns = json::array();
  std::vector<std::string> order;  // the results' columns, as the board orders them
  for (const auto& m : report.missing) missing.push_back({{"student", m.student}, {"subject", m.subject}, {"column", m.column}});
  for (const auto& st : report.students) {
    json results = json::object();
    for (const auto& [column, value] : st.results) {
      results[column] = value;
      if (std::find(order.begin(), order.end(), column) == order.end()) order.push_back(column);
    }
    students.push_back({{"student", st.code}, {"name", st.name}, {"results", std::move(results)}});
  }
  for (auto& c : order) columns.push_back(std::move(c));
  json out{{"class", report.class_name}, {"term", report.term}, {"complete", report.complete()},
           {"missing", std::move(missing)}, {"students", std::move(students)}, {"columns", std::move(columns)},
           {"primary", report.primary}, {"whole_class", report.whole_class}, {"signable", report.signable()}};
  if (report.primary) out["totals"] = report.totals;  // column → value → number of students
  if (!report.whole_class) out["subjects"] = report.subjects;
  if (!report.archived_year.empty()) out["archived_year"] = report.archived_year;
  return out;
}

std::string board_text(const BoardReport& report) {
  static const std::map<std::string, std::string> kTermName = {
      {"HK1", "học kì I"}, {"HK2", "học kì II"}, {"CN", "cả năm"}};
  std::ostringstream out;
  const auto term = kTermName.find(report.term);
  out << "Bảng tổng hợp kết quả lớp " << report.class_name << ", "
      << (term == kTermName.end() ? report.term : term->second) << " (theo lần đồng bộ gần nhất)\n";
  if (!report.archived_year.empty())
    out << "Đây là bản lưu của năm học " << report.archived_year
        << ": năm học đã kết thúc và được lưu trữ, chỉ để xem; không thể ký xác nhận gì ở đây.\n";
  if (!report.whole_class) {
    out << "Bảng này chỉ gồm các môn của bạn";
    if (report.subjects.empty()) out << " (máy này chưa có môn nào của lớp " << report.class_name << ")";
    for (std::size_t i = 0; i < report.subjects.size(); ++i) out << (i ? ", " : " (") << report.subjects[i];
    out << (report.subjects.empty() ? "" : ")") << ", không phải cả lớp " << report.class_name
        << ": các môn khác, hạnh kiểm và kết quả chung không có trên máy này. Bảng tổng hợp cả lớp do giáo viên "
           "chủ nhiệm xem và ký xác nhận.\n";
  }
  if (report.missing.empty()) {
    out << (!report.whole_class ? "Các môn của bạn đã đủ điểm và đánh giá bắt buộc.\n"
            : report.signable() ? "Đã đủ điểm và đánh giá bắt buộc: bảng này có thể được ký xác nhận.\n"
                                : "Đã đủ điểm và đánh giá bắt buộc.\n");
  } else {
    // Per subject (the teacher to ask), its count and the first few cells.
    constexpr std::size_t kNamed = 4;
    std::vector<std::pair<std::string, std::vector<std::string>>> by_subject;
    for (const auto& m : report.missing) {  // HK1's then HK2's: one line a subject all the same
      auto it = std::find_if(by_subject.begin(), by_subject.end(), [&](const auto& g) { return g.first == m.subject; });
      if (it == by_subject.end()) it = by_subject.insert(by_subject.end(), {m.subject, {}});
      it->second.push_back(m.student + " " + m.column);
    }
    out << (!report.whole_class ? "Các môn của bạn còn " : report.archived_year.empty() ? "Chưa thể ký xác nhận: còn " : "Còn ")
        << report.missing.size() << " ô bắt buộc chưa có điểm hoặc đánh giá"
        << (report.term == "HK1" ? "" : " (cả hai học kì)") << ":\n";
    for (const auto& [subject, cells] : by_subject) {
      out << "  " << subject << ": " << cells.size() << " ô — ";
      for (std::size_t i = 0; i < cells.size() && i < kNamed; ++i) out << (i ? ", " : "") << cells[i];
      out << (cells.size() > kNamed ? ", …" : "") << "\n";
    }
  }
  for (const auto& st : report.students) {
    out << "  " << st.code << "  " << st.name << "\n     ";
    for (std::size_t i = 0; i < st.results.size(); ++i)
      out << (i ? "; " : "") << st.results[i].first << ": " << decimal_comma(st.results[i].second);
    out << "\n";
  }
  if (report.primary) {
    out << "Tổng hợp cả lớp:\n";
    for (const auto& [column, counts] : report.totals) {
      out << "  " << column << ":";
      for (const auto& [value, n] : counts) out << " " << decimal_comma(value) << " " << n << ";";
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace sodiem::client
