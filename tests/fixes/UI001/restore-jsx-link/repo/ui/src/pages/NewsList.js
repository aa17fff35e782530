export default function NewsList() {
  return <h2>뉴스</h2>;
}
