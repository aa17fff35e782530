export default function AdminStats() {
  return <h2>통계</h2>;
}
