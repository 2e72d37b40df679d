// The district export (CSDL ngành, issue 17): the school's students of a
// school year with their identity and yearly results — each subject's year
// result, learning and conduct (TT22) or the year's education result
// (TT27), absences, the year-end decision and outcome, awards — read from
// the APPROVED year boards only (the HK2 board, which carries the year,
// signed by the HT and still matching the data), computed by the shared
// rules (summary_board.hpp, primary_board.hpp, year_outcomes.hpp). The
// format, CSV or XML by the file's extension, is documented in
// docs/district-export.md. All or nothing: when any class is not approved
// or any datum is invalid, nothing is written and every problem is named.
// Called by `sodiem-server export district`; reading only.
#pragma once
#include <string>
#include <vector>

#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct DistrictReport {
  bool ok = false;
  std::string year;                   // "2025-2026"
  int classes = 0, students = 0;      // written, when ok
  std::vector<std::string> problems;  // Vietnamese, one per problem, when not ok
};

// Writes the export of the year `db` holds (the current one, or the year
// an archived data directory holds) to `path` (.csv or .xml), whole or not
// at all. `year` ("" = the one the database holds) must name that year.
DistrictReport export_district(store::Db& db, const std::string& year, const std::string& path);

}  // namespace sodiem::server
