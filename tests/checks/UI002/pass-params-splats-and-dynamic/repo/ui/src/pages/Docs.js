export default function Docs() {
  return <h2>문서</h2>;
}
