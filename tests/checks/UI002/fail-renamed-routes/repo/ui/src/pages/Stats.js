export default function Stats() {
  return <h2>통계</h2>;
}
