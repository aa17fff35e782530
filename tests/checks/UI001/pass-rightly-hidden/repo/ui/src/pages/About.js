export default function About() {
  return <h2>소개</h2>;
}
