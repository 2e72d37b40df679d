// Exact decimals for the numbers of an XLSX libxlsxwriter wrote: it stores
// each number with printf("%.16G"), so a mark of 8,2 lands in the file as
// 8.199999999999999 and 8,3 as 8.300000000000001. exact_numbers() rewrites
// the workbook's number cells with the shortest text that reads back as the
// same double (8.2, 8.3), what Excel itself writes. Called by xlsx_export.cpp
// on its temporary file before renaming it. Internal to sodiem_print.
#pragma once
#include <string>

#include "sodiem/core/status.hpp"

namespace sodiem::server::xlsx {

// The worksheet XML with each number cell's <v> in its shortest round-trip form.
std::string exact_number_cells(const std::string& sheet_xml);

// The package at `path`, rewritten in place (through path + ".num") with every worksheet's numbers exact.
[[nodiscard]] Status exact_numbers(const std::string& path);

}  // namespace sodiem::server::xlsx
