export default function Faq() {
  return <h2>FAQ</h2>;
}
