export default function Event() {
  return <h2>공연</h2>;
}
