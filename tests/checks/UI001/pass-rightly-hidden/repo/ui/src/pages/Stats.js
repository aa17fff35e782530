export default function StatsPage() {
  return <h2>통계</h2>;
}
