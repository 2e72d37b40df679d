// The host names a school is reached by when one `sodiem-server run` serves
// many schools (the TLS SNI name devices and browsers send, e.g.
// thcs-tan-lap.sodiem.example.vn): DIR/host-names.txt, one per line,
// written by `init --host-name` (or by hand). Callers: init, run.
#pragma once
#include <string>
#include <vector>

namespace sodiem::server {

// The folder's host names, lower case, without blank lines, `#` comments
// or trailing dots; none when the file is absent.
std::vector<std::string> read_host_names(const std::string& data_dir);
void write_host_names(const std::string& data_dir, const std::vector<std::string>& names);
// A host name as matched (the file's and the TLS handshake's): lower case,
// without surrounding blanks or trailing dots.
std::string normalize_host_name(std::string name);
// A host name as accepted: letters, digits, '-' and '.', 1–253 characters.
bool valid_host_name(const std::string& name);
// Whether an HTTP Host field ("name" or "name:port") names `name` (a
// normalized host name: the TLS one its connection's school was chosen by).
bool host_field_names(const std::string& host_field, const std::string& name);

}  // namespace sodiem::server
