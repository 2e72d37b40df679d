// SQL fragments of the outbox's meaning, shared by the LocalStore's source
// files (internal to client/src). The highest seq whose answer has been
// recorded (see migration 6), and so what "pending" means: of an outbox row,
// and of one aliased `o`. Refusal states: 0 pending, 1 accepted, 2 refused,
// 3 conflicting.
#pragma once

#define SODIEM_ACKED_THROUGH "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'acked_through')"
#define SODIEM_PENDING "state = 0 AND seq > " SODIEM_ACKED_THROUGH
#define SODIEM_O_PENDING "o.state = 0 AND o.seq > " SODIEM_ACKED_THROUGH
