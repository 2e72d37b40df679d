// What the shared api.js (shared/web/) says on the console's page: the
// school server cannot be reached; an answer without its own message. A
// 401 carries the server's own message (signed out, session expired).
export const UNREACHABLE = {
  code: 'UNAVAILABLE',
  message: 'Không liên lạc được với máy chủ của trường. Hãy kiểm tra mạng rồi thử lại.',
  http: (status) => `Lỗi máy chủ (${status})`,
};
export const SIGNED_OUT = null;
