// The sync protocol's message types and op model. Plain value types, no I/O.
// Wire format and semantics: sync-protocol/README.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sodiem/protocol/error_code.hpp"

namespace sodiem::protocol {

inline constexpr int kProtocolVersion = 1;
inline constexpr int kSchemaVersion = 1;

// The subject name of a class's homeroom cells (conduct, homeroom comments,
// attendance), written by the homeroom teacher (GVCN).
inline constexpr std::string_view kHomeroomSubject = "Chủ nhiệm";

// Identifies one cell of the grade book by its human names.
struct CellKey {
  std::string class_name;    // "6A"
  std::string subject;       // "Toán"
  std::string student_code;  // "HS0601001"
  std::string column;        // "HK1.TX1"
  bool operator==(const CellKey&) const = default;
};

enum class OpKind : std::uint8_t {
  kSet = 0,                // write the cell
  kCorrectionRequest = 1,  // ask the leadership to change a locked cell (note = reason)
  kConfirm = 2,            // a signed confirmation step: cell.class_name, cell.subject ("" = whole class),
                           // cell.column = term, cell.student_code = step, value = digest, note = signature
  kRegisterKey = 3,        // value = the user's Ed25519 public key (hex)
  kResolveConflict = 4,    // write the cell and close its open conflicts (note = why)
  kDecideCorrection = 5,   // HT/PHT decide a correction request: base_version = its id, value = "approve" |
                           // "refuse", note = comment, cell = the request's cell
};
inline constexpr std::uint8_t kMaxOpKind = 5;

// One recorded change. Identity is (device_id, seq); device_id is implied by
// the authenticated connection. base_version is the server version of the
// cell the author saw (0 = none). An empty value clears the cell.
struct Op {
  std::uint64_t seq = 0;
  CellKey cell;
  std::string value;
  std::uint64_t base_version = 0;
  std::int64_t recorded_at = 0;  // device clock, unix seconds
  OpKind kind = OpKind::kSet;
  std::string note{};  // by kind (OpKind): the reason, the signature, why, the comment
  bool operator==(const Op&) const = default;
};

// First message of an enrolled device.
struct Hello {
  int protocol_version = kProtocolVersion;
  int schema_version = kSchemaVersion;
  std::string device_id;
  std::string token;
  // The school year the device's pending ops were recorded in (the last
  // roster's); "" from older clients. Ops of an ended year are refused
  // (kept in the server's records), never written into the new year.
  std::string school_year{};
};

// First message of a device that enrolls: password login.
struct Login {
  int protocol_version = kProtocolVersion;
  int schema_version = kSchemaVersion;
  std::string username;
  std::string password;
  std::string device_name;
  // Set when the account's issued password must be replaced at this login.
  std::string new_password;
};

// Server's answer to Hello or Login.
struct Welcome {
  std::string device_id;
  std::string token;  // only after Login
  std::string server_epoch;
  std::uint64_t device_high_seq = 0;  // highest seq of this device applied
  std::string username;
  std::uint64_t roster_version = 0;
  std::string school_year{};  // the server's current school year; "" from older servers
};

struct Push {
  std::uint64_t batch_id = 0;
  std::vector<Op> ops;
};

// Ops with seq first_seq+i (i < count) were applied as version first_version+i.
struct AcceptedRun {
  std::uint64_t first_seq = 0;
  std::uint64_t first_version = 0;
  std::uint64_t count = 0;
  bool operator==(const AcceptedRun&) const = default;
};

// Outcome of an op that is not a plain new version: refused, conflict, or
// accepted without change (same value). Carries the cell's current server
// state so the client can show it and restore it.
struct OpOutcome {
  std::uint64_t seq = 0;
  ErrorCode code = ErrorCode::kOk;
  std::string reason;  // Vietnamese, for the teacher
  std::string current_value;
  std::uint64_t current_version = 0;
  std::string current_author;
  bool operator==(const OpOutcome&) const = default;
};

// Sent only after the batch's effects are durably committed.
struct Ack {
  std::uint64_t batch_id = 0;
  std::vector<AcceptedRun> accepted;
  std::vector<OpOutcome> outcomes;
};

struct Cursor {
  std::string epoch;
  std::uint64_t seq = 0;
  bool operator==(const Cursor&) const = default;
};

struct Pull {
  Cursor cursor;
  std::uint32_t limit = 0;
};

// kResolved: the cell's open conflicts were resolved (value = the value chosen).
enum class ChangeKind : std::uint8_t { kSet = 0, kConflict = 1, kResolved = 2 };

// One entry of the server's change feed, as a client may see it.
struct Change {
  std::uint64_t version = 0;
  ChangeKind kind = ChangeKind::kSet;
  CellKey cell;
  std::string value;
  std::string author;
  std::int64_t at = 0;
  // For kConflict: the version that stayed current.
  std::uint64_t current_version = 0;
  bool operator==(const Change&) const = default;
};

struct Changes {
  Cursor cursor;  // where the next pull starts
  bool more = false;
  std::vector<Change> changes;
};

struct RosterRequest {};

struct ClassInfo {
  std::string name;
  int grade = 0;
  bool operator==(const ClassInfo&) const = default;
};
struct SubjectInfo {
  std::string name;
  bool scored = true;
  int periods_per_year = 0;
  // Set up from a curriculum (a grade's settings, Roster::grade_subjects):
  bool study_topics = false;  // THPT chuyên đề học tập: one more regular assessment
  std::string assessed_as{};  // the combined subject it counts as on the board ("" = itself)
  bool primary = false;       // rated by TT27 (Tiểu học)
  // TT27 periodic tests the grade sits in this subject (scored 1–10), of
  // "GK1" "CK1" "GK2" "CN", comma-separated: columns HK1.KTGK HK1.KTCK HK2.KTGK HK2.KTCK.
  std::string periodic_tests{};
  bool operator==(const SubjectInfo&) const = default;
};
// A subject's settings in one grade of a school set up from a curriculum.
// A grade with entries has exactly those subjects; a grade without has every
// subject of Roster::subjects as it is there.
struct GradeSubject {
  int grade = 0;
  SubjectInfo subject;
  bool operator==(const GradeSubject&) const = default;
};
// A class that learns only some of its grade's subjects: a THPT class's
// choice (tổ hợp) of electives and study topics (chuyên đề học tập). It has
// exactly `subjects` of its grade's GradeSubject entries, with study topics
// exactly in `study_topics` (the other settings are the grade's).
struct ClassSubjects {
  std::string class_name;
  std::vector<std::string> subjects, study_topics;
  bool operator==(const ClassSubjects&) const = default;
};
// The subjects a user may read in one class they do not read whole
// (Roster::read_subjects).
struct ReadSubjects {
  std::string class_name;
  std::vector<std::string> subjects;
  bool operator==(const ReadSubjects&) const = default;
};
struct StudentInfo {
  std::string code;
  std::string full_name;
  std::string class_name;
  bool operator==(const StudentInfo&) const = default;
};
struct Assignment {
  std::string class_name;
  std::string subject;
  bool operator==(const Assignment&) const = default;
};

// A lock or approval in force when the roster was made, as it bears on one
// of the user's assignments: the server's own decision (LockBook) for a
// value typed now into that term's columns of that kind. The client shows
// it (greyed columns with the reason); the server still decides each op.
struct LockNotice {
  std::string class_name, subject, term;  // term "HK1" | "HK2"
  std::string column_kind;                // TX GK CK NX RL NXCN KT PC NL, CC (attendance: the term's days)
  ErrorCode code = ErrorCode::kTermLocked;  // kTermLocked, kEntryClosed or kApprovedReadOnly
  bool new_values_only = false;           // entry closed: existing values may still change
  std::string reason;
  bool operator==(const LockNotice&) const = default;
};

// A student of one of the user's classes who moved to another class this
// school year (an import of students naming another class): the old
// class's teachers are told; the marks followed the student (the server's
// student_moves.hpp), the old class's cells stay as they were.
struct MoveNotice {
  std::string student_code, student_name, from_class, to_class;
  std::int64_t at = 0;  // unix seconds
  bool operator==(const MoveNotice&) const = default;
};

// A term (học kì) of the current school year and its days, "YYYY-MM-DD".
struct TermDates {
  std::string code, first_day, last_day;  // code "HK1" | "HK2"
  bool operator==(const TermDates&) const = default;
};

// The school year's calendar as attendance needs it (the server's; the
// client checks a typed absence against it as the server will).
struct SchoolCalendar {
  std::string first_day, last_day;  // "YYYY-MM-DD" of the current school year; "" when none is set
  bool sundays = false;              // the school teaches on Sundays
  // Classes taught in two sessions (buổi) a day, morning and afternoon;
  // every other class has one.
  std::vector<std::string> two_session_classes;
  // The year's terms: the term of an attendance day (attendance::term_of),
  // for the lock notices of attendance. Absent from older servers.
  std::vector<TermDates> terms{};
  bool operator==(const SchoolCalendar&) const = default;
};

// What the user may see of the school, and what they may write; a homeroom
// class appears as an assignment with subject kHomeroomSubject.
struct Roster {
  std::uint64_t version = 0;
  std::vector<std::string> roles;
  std::vector<ClassInfo> classes;
  std::vector<SubjectInfo> subjects;
  std::vector<StudentInfo> students;
  std::vector<Assignment> assignments;
  // The members below are absent from older servers: their defaults ({}) are
  // what an aggregate that leaves them out means.
  std::vector<LockNotice> locks{};
  SchoolCalendar calendar{};
  std::vector<GradeSubject> grade_subjects{};  // absent from demo schools too
  std::vector<ClassSubjects> class_subjects{};  // visible classes with a choice
  std::string school_year{};                   // "2026-2027"
  std::vector<MoveNotice> moves{};             // out of the user's classes this year
  std::string school{};                        // the school's name, for printed books
  std::string full_name{};                     // the user's full name (a printed book's teacher)
  // The visible classes whose every cell this user may read (the homeroom's
  // and every subject's: the class board's whole data), by the server's own
  // rule (UserAccess::reads_whole_class). nullopt: an older server that does
  // not say; the client then takes its homeroom classes (board_scope.hpp).
  std::optional<std::vector<std::string>> whole_classes{};
  // For each visible class not in whole_classes, the subjects whose cells
  // this user may read there, by the server's own rule (UserAccess::may_read):
  // their own, and a department head's (TTCM) department subjects, cells or
  // none yet. nullopt: an older server that does not say; the client then
  // takes its assignments and the subjects it holds cells of (board_scope.hpp).
  std::optional<std::vector<ReadSubjects>> read_subjects{};
};

// A cell's story, asked for by a client (online only).
struct HistoryRequest {
  CellKey cell;
};
struct HistoryEntry {
  std::int64_t at = 0;
  std::string author, device, outcome, old_value, new_value, reason;
  bool operator==(const HistoryEntry&) const = default;
};
struct History {
  std::string error;  // "" or why it cannot be shown (not allowed, unknown cell)
  std::vector<HistoryEntry> entries;
};

// The correction requests a user may see: the leadership (HT, PHT) all of
// them, anyone else their own, with the decision once taken.
struct CorrectionsRequest {};
struct CorrectionInfo {
  std::uint64_t id = 0;
  CellKey cell;
  std::string student_name;
  std::string old_value, new_value, reason;
  std::string requested_by;
  std::int64_t requested_at = 0;
  std::string status;  // pending | approved | refused
  std::string decided_by, decision_comment;
  std::int64_t decided_at = 0;
  bool operator==(const CorrectionInfo&) const = default;
};
struct CorrectionList {
  std::vector<CorrectionInfo> items;
};

// An enrolled user changes their own password (online only); answered by
// PasswordChanged, or by an Error (wrong current password, too short).
struct PasswordChange {
  std::string current_password;
  std::string new_password;
};
struct PasswordChanged {};

// The audit trail's tree head, signed by the server's audit key, with a
// consistency proof from the head the device kept (see README "Audit heads").
struct AuditRequest {
  std::string epoch;          // of the kept head ("" = none kept)
  std::uint64_t size = 0;     // of the kept head (0 = none kept)
  bool want_key = false;      // the device has not pinned the audit key yet
};
struct AuditHead {
  std::string epoch;
  std::uint64_t size = 0;
  std::string root;        // 64 hex digits ("" when the trail is empty)
  std::string signature;   // 128 hex digits over signed_head_text(epoch, size, root)
  std::string public_key;  // 64 hex digits, only when asked for
  // From the requested size to `size`; empty when the sizes are equal or the
  // request cannot be proved (another epoch beyond restored_from, or larger).
  std::vector<std::string> proof;
  // This epoch began with a restore of a backup whose trail had this many
  // entries, under restored_from_epoch (0 / "" = no restore).
  std::uint64_t restored_from = 0;
  std::string restored_from_epoch;
};
// A device found the head shown inconsistent with a head it kept: the kept
// head (with the server's own signature) and what was shown. Answered by
// AuditAlarmNoted.
struct AuditAlarm {
  std::string kept_epoch;
  std::uint64_t kept_size = 0;
  std::string kept_root, kept_signature;
  std::uint64_t shown_size = 0;
  std::string shown_root;
  std::string why;
};
struct AuditAlarmNoted {};

// The text a tree head's signature covers.
inline std::string signed_head_text(const std::string& epoch, std::uint64_t size, const std::string& root_hex) {
  return "sodiem audit tree head v1\n" + epoch + "\n" + std::to_string(size) + "\n" + root_hex;
}

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::uint64_t batch_id = 0;  // the push it answers, if any
};

using Message = std::variant<Hello, Login, Welcome, Push, Ack, Pull, Changes, RosterRequest, Roster, Error,
                             HistoryRequest, History, CorrectionsRequest, CorrectionList, PasswordChange,
                             PasswordChanged, AuditRequest, AuditHead, AuditAlarm, AuditAlarmNoted>;

}  // namespace sodiem::protocol
