// What the shared api.js (shared/web/) says on the teacher's `sodiem ui`
// page: the local program cannot be reached; an answer without its own
// message; a session ended (the token is no longer valid).
export const UNREACHABLE = {
  code: 'NO_LOCAL_SERVER',
  message: 'Không liên lạc được với chương trình Sổ điểm trên máy này. Hãy kiểm tra chương trình còn chạy.',
  http: (status) => `Lỗi của chương trình trên máy (HTTP ${status}).`,
};
export const SIGNED_OUT =
  'Phiên làm việc đã hết hiệu lực (chương trình vừa khởi động lại?). Hãy mở lại địa chỉ mà chương trình Sổ điểm vừa in ra.';
