export default function EventList() {
  return <h2>공연 목록</h2>;
}
