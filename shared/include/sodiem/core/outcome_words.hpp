// An outcome in Vietnamese words ("TERM_LOCKED" → "Sổ đã khóa"): a protocol
// error code, or one of the history's own (RESOLVED, CORRECTION_REQUESTED,
// CORRECTION_REFUSED); an unknown code as it is. The one table of them: the
// CLIs' history (history_text), the console's cell history and the audit
// trail's text say it. Pure; thread-safe; any caller.
#pragma once
#include <string>
#include <string_view>

namespace sodiem {

std::string outcome_words(std::string_view outcome);

}  // namespace sodiem
