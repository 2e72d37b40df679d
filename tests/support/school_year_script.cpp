// See school_year_script.hpp.
#include "school_year_script.hpp"

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/school_setup.hpp"

namespace sodiem::testing {

std::int64_t local_time(const char* text) { return *parse_local_time(text); }

std::vector<std::string> school_days(int n) {
  std::vector<std::string> out;
  std::tm start{};
  start.tm_year = 2026 - 1900;
  start.tm_mon = 1;
  start.tm_mday = 2;
  const std::time_t t0 = timegm(&start);
  for (int k = 0; static_cast<int>(out.size()) < n; ++k) {
    const std::time_t t = t0 + static_cast<std::time_t>(k) * 86400;
    std::tm d{};
    gmtime_r(&t, &d);
    if (d.tm_wday == 0) continue;  // Sunday
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &d);
    out.push_back(std::string("CC.") + buf);
  }
  return out;
}

void setup_from_defaults(LoopbackSchool& school, const std::string& level, const std::string& year) {
  auto db = school.server_db();
  auto parsed = server::parse_curriculum(*server::shipped_curriculum(level));
  REQUIRE(parsed.curriculum);
  auto applied = server::apply_curriculum(*db, *parsed.curriculum, server::default_year(year), school.clock, "admin");
  INFO(applied.status().message());
  REQUIRE(applied.is_ok());
}

void import_students(LoopbackSchool& school, const std::string& csv) {
  auto db = school.server_db();
  std::istringstream in(csv);
  auto imported = server::import_students(*db, in, "admin");
  INFO((imported.errors.empty() ? "" : imported.errors[0]));
  REQUIRE(imported.ok);
}

std::string assign_all_subjects(LoopbackSchool& school, const std::string& class_name,
                                std::vector<protocol::SubjectInfo>& subjects) {
  auto db = school.server_db();
  auto s = db->prepare("SELECT id FROM current_classes WHERE name = ?");
  s.bind(1, class_name);
  REQUIRE(s.step());
  std::string out;
  for (auto& cs : server::class_subjects_of(*db, s.int64(0))) {
    out += (out.empty() ? "" : ";") + class_name + ":" + cs.info.name;
    subjects.push_back(cs.info);
  }
  return out;
}

void import_staff(LoopbackSchool& school, const std::string& csv) {
  auto db = school.server_db();
  std::istringstream in(csv);
  auto people = server::import_staff(*db, in, school.clock, "admin");
  INFO((people.errors.empty() ? "" : people.errors[0]));
  REQUIRE(people.ok);
  for (const auto& [user, password] : people.new_passwords)
    school.demo.accounts.push_back({{"username", user}, {"password", password}, {"new_password", "mật khẩu mới " + user}});
}

Signers::Signers(LoopbackSchool& school) : school_(school), keys_(school.tmp / "keys") {}

void Signers::add(const std::string& who) {
  const std::string dir = keys_ + "/" + who;
  std::filesystem::create_directories(dir);
  REQUIRE(client::create_signing_key(school_.device(who), dir, "mật khẩu ký của " + who).is_ok());
  school_.sync(who);
}

Result<client::Signed> Signers::sign(const std::string& who, const std::string& step, const std::string& cls,
                                     const std::string& term, const std::string& subject) {
  auto& store = school_.device(who);
  return client::sign_step(store, keys_ + "/" + who, step, cls, term, subject, "mật khẩu ký của " + who,
                           [&] { return school_.try_sync(store).status(); });
}

CommandResult leadership(LoopbackSchool& school, std::vector<std::string> args, const std::string& dir) {
  args.insert(args.begin(), SODIEM_SERVER_BIN);
  if (args[1] != "outcomes") args.push_back("--maintenance");
  args.push_back("--data");
  args.push_back(dir.empty() ? school.demo.dir : dir);
  return run_command(args);
}

}  // namespace sodiem::testing
