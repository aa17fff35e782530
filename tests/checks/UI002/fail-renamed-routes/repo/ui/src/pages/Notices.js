export default function Notices() {
  return <h2>공지</h2>;
}
