// Benchmarks of the printed records (issue 17), for `sodiem_bench print`
// (scripts/bench.sh): print_gradebook_ms, one class × subject × term of the
// demo school as PDF (median of several runs), and print_school_s, every
// transcript (học bạ) of the demo school, a PDF per class. The demo school
// has no marks, so every required cell of both terms and the conduct are
// written first, straight into the copy's cells table (setup, not timed),
// so that the PDFs carry a full year.
#include "bench_print.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "process.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"

namespace sodiem::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Every required cell of both terms and each student's conduct: a mark
// 5.0–9.9 or Đ, the same on every run.
std::int64_t fill_year(store::Db& db) {
  store::Transaction tx(db);
  auto insert = db.prepare(
      "INSERT OR REPLACE INTO cells(class_id, subject_id, student_id, col, value, version, device_id, user_id) "
      "VALUES(?, ?, ?, ?, ?, ?, 0, 0)");
  std::int64_t version = 1'000'000, n = 0;
  auto classes = db.prepare("SELECT id FROM current_classes ORDER BY id");
  while (classes.step()) {
    const std::int64_t class_id = classes.int64(0);
    std::vector<std::int64_t> students;
    auto st = db.prepare("SELECT id FROM students WHERE class_id = ? AND status = 'active'");
    st.bind(1, class_id);
    while (st.step()) students.push_back(st.int64(0));
    auto put = [&](std::int64_t subject_id, std::int64_t student, const std::string& col, const std::string& value) {
      insert.bind(1, class_id).bind(2, subject_id).bind(3, student).bind(4, col).bind(5, value).bind(6, ++version);
      insert.run();
      insert.reset();
      ++n;
    };
    for (const auto& cs : server::class_subjects_of(db, class_id))
      for (const char* term : {"HK1", "HK2"})
        for (const auto& col : board::required_columns(cs.info, term))
          for (std::int64_t student : students)
            put(cs.subject_id, student, col,
                cs.info.scored ? std::to_string(5 + (student + n) % 5) + "." + std::to_string((student * 7 + n) % 10) : "Đ");
    for (const char* term : {"HK1", "HK2"})
      for (std::int64_t student : students) put(server::kHomeroomSubjectId, student, std::string(term) + ".RL", "Tốt");
  }
  tx.commit();
  return n;
}

int pdf_pages(const std::string& path) {
  auto r = testing::run_command({"pdfinfo", path});
  const auto at = r.out.find("Pages:");
  return at == std::string::npos ? 0 : std::stoi(r.out.substr(at + 6));
}

}  // namespace

nlohmann::json run_print() {
  testing::TempDir tmp;
  const auto demo = testing::make_demo_server(tmp / "s");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const std::int64_t marks = fill_year(*db);

  // One class × subject × term: 6A, Toán, HK1.
  constexpr int kRuns = 9;
  std::vector<double> ms;
  const std::string book = tmp / "6A-Toan-HK1.pdf";
  for (int i = 0; i < kRuns; ++i) {
    const auto t0 = Clock::now();
    auto st = server::print_gradebook(*db, "6A", "Toán", "HK1", book);
    ms.push_back(seconds_since(t0) * 1000);
    if (!st) throw std::runtime_error(st.message());
  }
  std::sort(ms.begin(), ms.end());
  nlohmann::json out;
  out["print_gradebook_ms"] = {{"p50", ms[ms.size() / 2]}, {"min", ms.front()}, {"max", ms.back()}, {"runs", kRuns},
                               {"class", "6A"}, {"subject", "Toán"}, {"term", "HK1"}, {"pages", pdf_pages(book)}};

  // Every transcript of the school: a PDF per class, a page per student.
  std::vector<std::string> classes;
  auto c = db->prepare("SELECT name FROM current_classes ORDER BY grade, name");
  while (c.step()) classes.push_back(c.text(0));
  int pages = 0, transcripts = 0;
  double total = 0;
  for (const auto& name : classes) {
    const std::string path = tmp / ("hoc-ba-" + name + ".pdf");
    const auto t0 = Clock::now();
    auto st = server::print_transcript(*db, name, "", path);
    total += seconds_since(t0);
    if (!st) throw std::runtime_error(st.message());
    pages += pdf_pages(path);
    auto n = db->prepare("SELECT COUNT(*) FROM students s JOIN current_classes c ON c.id = s.class_id "
                         "WHERE c.name = ? AND s.status = 'active'");
    n.bind(1, name);
    if (n.step()) transcripts += static_cast<int>(n.int64(0));
  }
  out["print_school_s"] = {{"seconds", total}, {"classes", classes.size()}, {"transcripts", transcripts},
                           {"pages", pages}, {"marks", marks}};
  return out;
}

}  // namespace sodiem::bench
