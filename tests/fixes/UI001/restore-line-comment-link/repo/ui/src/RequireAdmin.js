export default function RequireAdmin({ children }) {
  return children;
}
