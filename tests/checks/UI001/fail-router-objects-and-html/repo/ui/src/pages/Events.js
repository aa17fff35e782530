export default function Events() {
  return <h2>공연</h2>;
}
